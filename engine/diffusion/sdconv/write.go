package sdconv

import (
	"bufio"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"strconv"

	"github.com/vivid-ml/vivid-ml-engine/engine/convert"
	"github.com/vivid-ml/vivid-ml-engine/onnx/onnxpb"
	"google.golang.org/protobuf/proto"
)

// ExternalThreshold is the weight size (bytes) above which a model's initializers go to
// model.onnx_data beside model.onnx (protobuf cannot hold 2 GB; Optimum does the same).
var ExternalThreshold int64 = 1 << 30

// In model.onnx_data, tensors of alignAbove bytes or more start at a multiple of
// alignTo (zero padding before them): ONNX Runtime's CPU provider then maps them
// from the file instead of copying them (it needs offsets aligned to the allocation
// granularity: 4 KiB on Linux, 64 KiB on Windows; ORT's own ModelSavingOptions pads the
// same way, with a 1 MB threshold).
const (
	alignAbove = 1 << 20
	alignTo    = 64 << 10
)

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
	_, err := g.writeHashed(dir, progress)
	return err
}

// prepared is one initializer's encoded data, made ahead of the writer.
type prepared struct {
	raw []byte
	err error
}

// prepareAll loads, transforms and encodes the float initializers on up to
// GOMAXPROCS goroutines, a bounded window ahead of the consumer, which receives them
// in order from the returned channels (nil for int64 initializers) and calls release
// after each. Closing stop makes the feeder give up (the consumer returned early).
func (g *graph) prepareAll(stop <-chan struct{}) (results []chan prepared, release func()) {
	workers := max(runtime.GOMAXPROCS(0), 1)
	window := make(chan struct{}, workers+2) // tensors in flight: bounds memory to a few large tensors
	results = make([]chan prepared, len(g.inits))
	for i, in := range g.inits {
		if in.elem != i64 {
			results[i] = make(chan prepared, 1)
		}
	}
	go func() {
		for i, in := range g.inits {
			if results[i] == nil {
				continue
			}
			select {
			case window <- struct{}{}:
			case <-stop:
				return
			}
			go func() {
				vals, err := in.load()
				switch {
				case err != nil:
					results[i] <- prepared{err: fmt.Errorf("sdconv: %s: %w", g.name, err)}
				case int64(len(vals)) != numel(in.dims):
					results[i] <- prepared{err: fmt.Errorf("%w: %s: %s has %d values, want %v", ErrWeights, g.name, in.name, len(vals), in.dims)}
				default:
					results[i] <- prepared{raw: encode(vals, in.elem)}
				}
			}()
		}
	}()
	return results, func() { <-window }
}

// hasher computes a sha256 on its own goroutine, so that hashing a 10 GB data file
// overlaps with writing it.
type hasher struct {
	ch   chan []byte
	done chan string
}

func newHasher() *hasher {
	h := &hasher{ch: make(chan []byte, 8), done: make(chan string, 1)}
	go func() {
		s := sha256.New()
		for b := range h.ch {
			s.Write(b)
		}
		h.done <- hex.EncodeToString(s.Sum(nil))
	}()
	return h
}

func (h *hasher) sum() string {
	close(h.ch)
	return <-h.done
}

// writeHashed is write that also returns the sha256 and size of each file written
// (paths relative to dir), computed while writing: a conversion's sidecar then needs
// no second pass over gigabytes of output. Initializers are loaded and encoded in
// parallel, a few tensors ahead of the writer, and written in order.
func (g *graph) writeHashed(dir string, progress Progress) ([]FileHash, error) {
	if err := g.err(); err != nil {
		return nil, err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("sdconv: %w", err)
	}
	external := g.weightBytes() > ExternalThreshold
	var data *bufio.Writer
	var dataFile *os.File
	var dataHash *hasher
	const dataName = "model.onnx_data"
	if !external { // never leave an earlier conversion's data file beside an inline model
		if err := os.Remove(filepath.Join(dir, dataName)); err != nil && !errors.Is(err, os.ErrNotExist) {
			return nil, fmt.Errorf("sdconv: %w", err)
		}
	}
	if external {
		f, err := os.Create(filepath.Join(dir, dataName))
		if err != nil {
			return nil, fmt.Errorf("sdconv: %w", err)
		}
		defer f.Close()
		dataFile, data = f, bufio.NewWriterSize(f, 4<<20)
		dataHash = newHasher()
		defer func() {
			if dataHash != nil {
				dataHash.sum() // an early return: stop the goroutine
			}
		}()
	}
	stop := make(chan struct{})
	defer close(stop)
	results, release := g.prepareAll(stop)
	var done, off int64
	tensors := make([]*onnxpb.TensorProto, 0, len(g.inits))
	for i, in := range g.inits {
		t := &onnxpb.TensorProto{Name: proto.String(in.name), Dims: in.dims, DataType: proto.Int32(in.elem)}
		if in.elem == i64 {
			t.Int64Data = in.ints
			tensors = append(tensors, t)
			continue
		}
		p := <-results[i]
		release()
		if p.err != nil {
			return nil, p.err
		}
		raw := p.raw
		done += int64(len(raw))
		if progress != nil {
			progress(done)
		}
		if external && len(raw) >= 1024 {
			if pad := -off & (alignTo - 1); len(raw) >= alignAbove && pad > 0 {
				zeros := make([]byte, pad)
				if _, err := data.Write(zeros); err != nil {
					return nil, fmt.Errorf("sdconv: %w", err)
				}
				dataHash.ch <- zeros
				off += pad
			}
			if _, err := data.Write(raw); err != nil {
				return nil, fmt.Errorf("sdconv: %w", err)
			}
			dataHash.ch <- raw
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
	var hashes []FileHash
	if external {
		if err := data.Flush(); err != nil {
			return nil, fmt.Errorf("sdconv: %w", err)
		}
		if err := dataFile.Close(); err != nil {
			return nil, fmt.Errorf("sdconv: %w", err)
		}
		sum := dataHash.sum()
		dataHash = nil
		hashes = append(hashes, FileHash{Path: dataName, SHA256: sum, Size: off})
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
		return nil, fmt.Errorf("sdconv: %s: %w", g.name, err)
	}
	if err := os.WriteFile(filepath.Join(dir, "model.onnx"), b, 0o644); err != nil {
		return nil, fmt.Errorf("sdconv: %w", err)
	}
	sum := sha256.Sum256(b)
	return append([]FileHash{{Path: "model.onnx", SHA256: hex.EncodeToString(sum[:]), Size: int64(len(b))}}, hashes...), nil
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
