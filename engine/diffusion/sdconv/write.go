package sdconv

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strconv"

	"github.com/vivid-ml/vivid-ml-engine/engine/convert"
	"github.com/vivid-ml/vivid-ml-engine/onnx/onnxpb"
	"google.golang.org/protobuf/proto"
)

// ExternalThreshold is the weight size (bytes) above which a model's initializers go to
// model.onnx_data beside model.onnx (protobuf cannot hold 2 GB; Optimum does the same).
var ExternalThreshold int64 = 1 << 30

// Progress is told the bytes of weights written so far (may be nil).
type Progress func(done int64)

func (g *graph) weightBytes() int64 {
	var n int64
	for _, in := range g.inits {
		n += in.bytes
	}
	return n
}

// write stores the model as dir/model.onnx (with dir/model.onnx_data when large).
func (g *graph) write(dir string, progress Progress) error {
	if err := g.err(); err != nil {
		return err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("sdconv: %w", err)
	}
	external := g.weightBytes() > ExternalThreshold
	var data *bufio.Writer
	var dataFile *os.File
	const dataName = "model.onnx_data"
	if !external { // never leave an earlier conversion's data file beside an inline model
		if err := os.Remove(filepath.Join(dir, dataName)); err != nil && !errors.Is(err, os.ErrNotExist) {
			return fmt.Errorf("sdconv: %w", err)
		}
	}
	if external {
		f, err := os.Create(filepath.Join(dir, dataName))
		if err != nil {
			return fmt.Errorf("sdconv: %w", err)
		}
		defer f.Close()
		dataFile, data = f, bufio.NewWriterSize(f, 1<<20)
	}
	var done, off int64
	tensors := make([]*onnxpb.TensorProto, 0, len(g.inits))
	for _, in := range g.inits {
		t := &onnxpb.TensorProto{Name: proto.String(in.name), Dims: in.dims, DataType: proto.Int32(in.elem)}
		if in.elem == i64 {
			t.Int64Data = in.ints
			tensors = append(tensors, t)
			continue
		}
		vals, err := in.load()
		if err != nil {
			return fmt.Errorf("sdconv: %s: %w", g.name, err)
		}
		if int64(len(vals)) != numel(in.dims) {
			return fmt.Errorf("%w: %s: %s has %d values, want %v", ErrWeights, g.name, in.name, len(vals), in.dims)
		}
		raw := encode(vals, in.elem)
		done += int64(len(raw))
		if progress != nil {
			progress(done)
		}
		if external && len(raw) >= 1024 {
			if _, err := data.Write(raw); err != nil {
				return fmt.Errorf("sdconv: %w", err)
			}
			loc := onnxpb.TensorProto_EXTERNAL
			t.DataLocation = &loc
			t.ExternalData = []*onnxpb.StringStringEntryProto{
				{Key: proto.String("location"), Value: proto.String(dataName)},
				{Key: proto.String("offset"), Value: proto.String(strconv.FormatInt(off, 10))},
				{Key: proto.String("length"), Value: proto.String(strconv.Itoa(len(raw)))},
			}
			off += int64(len(raw))
		} else {
			t.RawData = raw
		}
		tensors = append(tensors, t)
	}
	if external {
		if err := data.Flush(); err != nil {
			return fmt.Errorf("sdconv: %w", err)
		}
		if err := dataFile.Close(); err != nil {
			return fmt.Errorf("sdconv: %w", err)
		}
	}
	m := &onnxpb.ModelProto{
		IrVersion: proto.Int64(irVersion), ProducerName: proto.String("vivid-ml-engine sdconv"),
		ProducerVersion: proto.String(ConverterVersion),
		OpsetImport:     []*onnxpb.OperatorSetIdProto{{Domain: proto.String(""), Version: proto.Int64(opset)}},
		Graph: &onnxpb.GraphProto{Name: proto.String(g.name), Node: g.nodes, Initializer: tensors,
			Input: g.inputs, Output: g.outputs},
	}
	b, err := proto.MarshalOptions{Deterministic: true}.Marshal(m)
	if err != nil {
		return fmt.Errorf("sdconv: %s: %w", g.name, err)
	}
	if err := os.WriteFile(filepath.Join(dir, "model.onnx"), b, 0o644); err != nil {
		return fmt.Errorf("sdconv: %w", err)
	}
	return nil
}

func encode(vals []float32, elem int32) []byte {
	if elem == f16 {
		b := make([]byte, 2*len(vals))
		for i, v := range vals {
			binary.LittleEndian.PutUint16(b[2*i:], convert.Float16(v))
		}
		return b
	}
	b := make([]byte, 4*len(vals))
	for i, v := range vals {
		binary.LittleEndian.PutUint32(b[4*i:], math.Float32bits(v))
	}
	return b
}
