package infer

import (
	"fmt"

	"github.com/vivid-ml/vivid-ml-engine/engine/convert"
)

// IO describes one model input or output as the model declares it; -1 is a dynamic dimension.
type IO struct {
	Name  string
	Elem  DType
	Shape []int64
}

func (io IO) String() string { return fmt.Sprintf("%s %s%v", io.Name, io.Elem, io.Shape) }

// Static reports whether every dimension is known.
func (io IO) Static() bool {
	for _, d := range io.Shape {
		if d < 0 {
			return false
		}
	}
	return true
}

// Tensor is a model input or output in Go memory, allocated once per shape and reused
// every frame. Exactly one data slice (matching Elem) is set. Backends attach their
// native handle in Native the first time they see the tensor and may keep a device
// copy; Touch tells them the host data changed.
type Tensor struct {
	Elem  DType
	Shape []int64
	F32   []float32
	F16   []uint16 // IEEE half floats as raw bits (convert.Float16 / convert.Float32From16)
	I32   []int32
	I64   []int64
	U8    []uint8

	Native any // backend-owned handle sharing the data slice
}

// NewTensor allocates a zeroed tensor.
func NewTensor(elem DType, shape ...int64) (*Tensor, error) {
	n := int64(1)
	for _, d := range shape {
		if d < 1 {
			return nil, fmt.Errorf("infer: tensor shape %v has a dimension below 1", shape)
		}
		n *= d
	}
	t := &Tensor{Elem: elem, Shape: append([]int64(nil), shape...)}
	switch elem {
	case Float32:
		t.F32 = make([]float32, n)
	case Float16:
		t.F16 = make([]uint16, n)
	case Int32:
		t.I32 = make([]int32, n)
	case Int64:
		t.I64 = make([]int64, n)
	case Uint8:
		t.U8 = make([]uint8, n)
	default:
		return nil, fmt.Errorf("infer: unsupported element type %s", elem)
	}
	return t, nil
}

// Len is the element count.
func (t *Tensor) Len() int {
	switch t.Elem {
	case Float32:
		return len(t.F32)
	case Float16:
		return len(t.F16)
	case Int32:
		return len(t.I32)
	case Uint8:
		return len(t.U8)
	}
	return len(t.I64)
}

// SetFloats copies src into a float tensor from element offset off (converting to fp16 if needed).
func (t *Tensor) SetFloats(off int, src []float32) {
	switch t.Elem {
	case Float32:
		copy(t.F32[off:], src)
	case Float16:
		dst := t.F16[off : off+len(src)]
		for i, v := range src {
			dst[i] = convert.Float16(v)
		}
	}
}

// Floats copies len(dst) elements from element offset off of a float tensor into dst.
func (t *Tensor) Floats(off int, dst []float32) {
	switch t.Elem {
	case Float32:
		copy(dst, t.F32[off:off+len(dst)])
	case Float16:
		for i, h := range t.F16[off : off+len(dst)] {
			dst[i] = convert.Float32From16(h)
		}
	}
}

// AllFloats returns the tensor's values as float32 (a copy; fp16 converted).
func (t *Tensor) AllFloats() []float32 {
	out := make([]float32, t.Len())
	t.Floats(0, out)
	return out
}
