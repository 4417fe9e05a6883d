package onnx

import (
	"errors"
	"fmt"
	"io"
	"os"

	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/proto"

	"github.com/vivid-ml/vivid-ml-engine/onnx/onnxpb"
)

// ErrBadModel means an .onnx file could not be parsed.
var ErrBadModel = errors.New("onnx: bad model file")

// Field numbers of onnx.proto used to find the graph's inputs and outputs.
const (
	fieldModelGraph       = 7  // ModelProto.graph
	fieldGraphInitializer = 5  // GraphProto.initializer
	fieldGraphInput       = 11 // GraphProto.input
	fieldGraphOutput      = 12 // GraphProto.output
	fieldTensorName       = 8  // TensorProto.name
)

// ReadModelIO reads a model's graph inputs (initializers excluded, as ONNX Runtime does)
// and outputs without loading its weights: it walks the protobuf with ReadAt and skips
// everything else, so a 2 GB model costs a few thousand small reads. No cgo needed.
func ReadModelIO(path string) (inputs, outputs []TensorInfo, err error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, fmt.Errorf("onnx: read model %s: %w", path, err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, nil, fmt.Errorf("onnx: read model %s: %w", path, err)
	}
	inputs, outputs, err = parseModelIO(f, st.Size())
	if err != nil {
		return nil, nil, fmt.Errorf("onnx: read model %s: %w", path, err)
	}
	return inputs, outputs, nil
}

// parseModelIO finds the graph in a ModelProto of size bytes read through r.
func parseModelIO(r io.ReaderAt, size int64) (inputs, outputs []TensorInfo, err error) {
	p := pbReader{r: r}
	found := false
	err = p.fields(0, size, func(num protowire.Number, start, end int64) error {
		if num != fieldModelGraph {
			return nil
		}
		found = true
		inputs, outputs, err = p.graph(start, end)
		return err
	})
	if err != nil {
		return nil, nil, err
	}
	if !found {
		return nil, nil, fmt.Errorf("%w: no graph", ErrBadModel)
	}
	return inputs, outputs, nil
}

// graph collects a GraphProto's inputs, outputs and initializer names from [start,end).
func (p *pbReader) graph(start, end int64) (inputs, outputs []TensorInfo, err error) {
	inits := map[string]bool{}
	err = p.fields(start, end, func(num protowire.Number, s, e int64) error {
		switch num {
		case fieldGraphInput, fieldGraphOutput:
			info, err := p.valueInfo(s, e)
			if err != nil {
				return err
			}
			if num == fieldGraphInput {
				inputs = append(inputs, info)
			} else {
				outputs = append(outputs, info)
			}
		case fieldGraphInitializer:
			return p.fields(s, e, func(n protowire.Number, ns, ne int64) error {
				if n == fieldTensorName {
					b, err := p.bytes(ns, ne)
					if err != nil {
						return err
					}
					inits[string(b)] = true
				}
				return nil
			})
		}
		return nil
	})
	if err != nil {
		return nil, nil, err
	}
	kept := inputs[:0]
	for _, in := range inputs {
		if !inits[in.Name] {
			kept = append(kept, in)
		}
	}
	return kept, outputs, nil
}

// valueInfo decodes one ValueInfoProto (small) into a TensorInfo; dim_param and unknown dims are -1.
func (p *pbReader) valueInfo(s, e int64) (TensorInfo, error) {
	b, err := p.bytes(s, e)
	if err != nil {
		return TensorInfo{}, err
	}
	var vi onnxpb.ValueInfoProto
	if err := proto.Unmarshal(b, &vi); err != nil {
		return TensorInfo{}, fmt.Errorf("%w: %w", ErrBadModel, err)
	}
	info := TensorInfo{Name: vi.GetName()}
	tt := vi.GetType().GetTensorType()
	if tt == nil {
		return info, nil
	}
	info.Elem = ElemType(tt.GetElemType())
	info.Shape = []int64{}
	for _, d := range tt.GetShape().GetDim() {
		v := int64(-1)
		if dv, ok := d.GetValue().(*onnxpb.TensorShapeProto_Dimension_DimValue); ok && dv.DimValue > 0 {
			v = dv.DimValue
		}
		info.Shape = append(info.Shape, v)
	}
	return info, nil
}

// pbReader walks protobuf fields of a file by offset without reading skipped payloads.
type pbReader struct {
	r   io.ReaderAt
	buf [binary10]byte
}

const binary10 = 10 // longest varint

// maxSmall bounds a payload read into memory (names, ValueInfoProtos).
const maxSmall = 1 << 24

func (p *pbReader) bytes(s, e int64) ([]byte, error) {
	if e-s > maxSmall {
		return nil, fmt.Errorf("%w: %d-byte field where a small one was expected", ErrBadModel, e-s)
	}
	b := make([]byte, e-s)
	if _, err := p.r.ReadAt(b, s); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrBadModel, err)
	}
	return b, nil
}

// varint reads a varint at off; it returns the value and its length.
func (p *pbReader) varint(off, end int64) (uint64, int64, error) {
	n := min(int64(binary10), end-off)
	if n <= 0 {
		return 0, 0, fmt.Errorf("%w: truncated at %d", ErrBadModel, off)
	}
	got, err := p.r.ReadAt(p.buf[:n], off)
	if got < int(n) && err != nil {
		n = int64(got)
	}
	v, l := protowire.ConsumeVarint(p.buf[:n])
	if l < 0 {
		return 0, 0, fmt.Errorf("%w: bad varint at %d", ErrBadModel, off)
	}
	return v, int64(l), nil
}

// fields calls fn for every length-delimited field in [start,end) with its payload range;
// other wire types are skipped.
func (p *pbReader) fields(start, end int64, fn func(num protowire.Number, s, e int64) error) error {
	for off := start; off < end; {
		tag, n, err := p.varint(off, end)
		if err != nil {
			return err
		}
		off += n
		num, typ := protowire.DecodeTag(tag)
		if num <= 0 {
			return fmt.Errorf("%w: bad tag at %d", ErrBadModel, off-n)
		}
		switch typ {
		case protowire.VarintType:
			_, n, err := p.varint(off, end)
			if err != nil {
				return err
			}
			off += n
		case protowire.Fixed32Type:
			off += 4
		case protowire.Fixed64Type:
			off += 8
		case protowire.BytesType:
			l, n, err := p.varint(off, end)
			if err != nil {
				return err
			}
			off += n
			if l > uint64(end-off) {
				return fmt.Errorf("%w: field %d overruns its message at %d", ErrBadModel, num, off)
			}
			if err := fn(num, off, off+int64(l)); err != nil {
				return err
			}
			off += int64(l)
		default:
			return fmt.Errorf("%w: unsupported wire type %d at %d", ErrBadModel, typ, off-n)
		}
		if off > end {
			return fmt.Errorf("%w: truncated field %d", ErrBadModel, num)
		}
	}
	return nil
}
