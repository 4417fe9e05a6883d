package safetensors

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"

	"github.com/vivid-ml/vivid-ml-engine/engine/convert"
)

// Tensor is one tensor to write.
type Tensor struct {
	Name  string
	DType DType
	Shape []int64
	Data  []byte // little-endian, Numel × DType.Size() bytes
}

// FromFloat32 encodes vals as an F32, F16 or BF16 tensor (BF16 rounds to nearest even).
func FromFloat32(name string, d DType, shape []int64, vals []float32) Tensor {
	t := Tensor{Name: name, DType: d, Shape: shape, Data: make([]byte, int64(len(vals))*d.Size())}
	for i, v := range vals {
		switch d {
		case F32:
			binary.LittleEndian.PutUint32(t.Data[4*i:], math.Float32bits(v))
		case F16:
			binary.LittleEndian.PutUint16(t.Data[2*i:], convert.Float16(v))
		case BF16:
			b := math.Float32bits(v)
			b += 0x7fff + (b>>16)&1
			binary.LittleEndian.PutUint16(t.Data[2*i:], uint16(b>>16))
		}
	}
	return t
}

// Encode returns a safetensors file holding tensors (sorted by name, laid out in
// that order, the header padded with spaces to 8 bytes as the reference writer does).
func Encode(tensors []Tensor, metadata map[string]string) ([]byte, error) {
	ts := slices.Clone(tensors)
	slices.SortFunc(ts, func(a, b Tensor) int { return bytes.Compare([]byte(a.Name), []byte(b.Name)) })
	hdr := map[string]any{}
	if len(metadata) > 0 {
		hdr["__metadata__"] = metadata
	}
	off := int64(0)
	for _, t := range ts {
		n := t.DType.Size()
		for _, d := range t.Shape {
			n *= d
		}
		if n != int64(len(t.Data)) || t.DType.Size() == 0 {
			return nil, fmt.Errorf("safetensors: tensor %q: %s%v needs %d bytes, has %d", t.Name, t.DType, t.Shape, n, len(t.Data))
		}
		shape := t.Shape
		if shape == nil {
			shape = []int64{}
		}
		hdr[t.Name] = rawTensor{DType: t.DType, Shape: shape, Offsets: []int64{off, off + n}}
		off += n
	}
	js, err := json.Marshal(hdr)
	if err != nil {
		return nil, fmt.Errorf("safetensors: %w", err)
	}
	for len(js)%8 != 0 {
		js = append(js, ' ')
	}
	out := make([]byte, 8, 8+int64(len(js))+off)
	binary.LittleEndian.PutUint64(out, uint64(len(js)))
	out = append(out, js...)
	for _, t := range ts {
		out = append(out, t.Data...)
	}
	return out, nil
}

// WriteFile encodes tensors into path (its folder created if needed).
func WriteFile(path string, tensors []Tensor, metadata map[string]string) error {
	b, err := Encode(tensors, metadata)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return fmt.Errorf("safetensors: %w", err)
	}
	if err := os.WriteFile(path, b, 0o644); err != nil {
		return fmt.Errorf("safetensors: %w", err)
	}
	return nil
}
