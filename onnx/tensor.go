//go:build cgo

package onnx

import (
	"fmt"
	"unsafe"

	ort "github.com/yalue/onnxruntime_go"
)

// Value is a tensor that Session.Run can take as input or output (*Tensor[T] of any element type).
type Value interface {
	// Elem is the element type.
	Elem() ElemType
	// Shape is the tensor's shape (a copy).
	Shape() []int64
	// Destroy frees the native tensor; the Go data slice stays readable.
	Destroy() error
	ort() ort.Value
}

// Tensor is an ONNX Runtime tensor backed by a Go slice that both sides share: fill
// Data() before Run, read it after. Allocate once per shape and reuse it every frame.
type Tensor[T Elem] struct {
	data  []T
	shape []int64
	v     ort.Value
}

// NewTensor allocates a zeroed tensor of the given shape (every dimension ≥ 1).
func NewTensor[T Elem](shape ...int64) (*Tensor[T], error) {
	n, err := elementCount(shape)
	if err != nil {
		return nil, err
	}
	return NewTensorFrom(make([]T, n), shape...)
}

// NewTensorFrom wraps data (used in place, not copied) as a tensor of the given shape;
// len(data) must equal the shape's element count.
func NewTensorFrom[T Elem](data []T, shape ...int64) (*Tensor[T], error) {
	n, err := elementCount(shape)
	if err != nil {
		return nil, err
	}
	if int64(len(data)) != n {
		return nil, fmt.Errorf("%w: shape %v needs %d elements, got %d", ErrBadShape, shape, n, len(data))
	}
	if !initialized() {
		return nil, ErrNotInitialized
	}
	var z T
	size := int(unsafe.Sizeof(z))
	raw := unsafe.Slice((*byte)(unsafe.Pointer(&data[0])), len(data)*size)
	v, err := ort.NewCustomDataTensor(ort.NewShape(shape...), raw, ort.TensorElementDataType(ElemOf[T]()))
	if err != nil {
		return nil, fmt.Errorf("onnx: new %s tensor %v: %w", ElemOf[T](), shape, ortError(err))
	}
	return &Tensor[T]{data: data, shape: append([]int64(nil), shape...), v: v}, nil
}

// Data is the tensor's element slice, shared with ONNX Runtime.
func (t *Tensor[T]) Data() []T { return t.data }

// Shape returns a copy of the tensor's shape.
func (t *Tensor[T]) Shape() []int64 { return append([]int64(nil), t.shape...) }

// Elem is the tensor's element type.
func (t *Tensor[T]) Elem() ElemType { return ElemOf[T]() }

// Destroy releases the native tensor. It is safe to call more than once; Data stays valid Go memory.
func (t *Tensor[T]) Destroy() error {
	if t == nil || t.v == nil {
		return nil
	}
	err := t.v.Destroy()
	t.v = nil
	return err
}

func (t *Tensor[T]) ort() ort.Value { return t.v }

// elementCount validates shape and returns its element count.
func elementCount(shape []int64) (int64, error) {
	if len(shape) == 0 {
		return 0, fmt.Errorf("%w: no dimensions", ErrBadShape)
	}
	n := int64(1)
	for i, d := range shape {
		if d < 1 {
			return 0, fmt.Errorf("%w: dimension %d is %d in %v", ErrBadShape, i, d, shape)
		}
		if n > (1<<62)/d {
			return 0, fmt.Errorf("%w: %v overflows", ErrBadShape, shape)
		}
		n *= d
	}
	return n, nil
}

// wrapOutput turns a value ONNX Runtime allocated (already copied into Go memory by
// onnxruntime_go) into a *Tensor of the matching element type.
func wrapOutput(v ort.Value) (Value, error) {
	shape := []int64(v.GetShape())
	switch t := v.(type) {
	case *ort.Tensor[float32]:
		return &Tensor[float32]{data: t.GetData(), shape: shape, v: v}, nil
	case *ort.Tensor[float64]:
		return &Tensor[float64]{data: t.GetData(), shape: shape, v: v}, nil
	case *ort.Tensor[int8]:
		return &Tensor[int8]{data: t.GetData(), shape: shape, v: v}, nil
	case *ort.Tensor[uint8]:
		return &Tensor[uint8]{data: t.GetData(), shape: shape, v: v}, nil
	case *ort.Tensor[int32]:
		return &Tensor[int32]{data: t.GetData(), shape: shape, v: v}, nil
	case *ort.Tensor[int64]:
		return &Tensor[int64]{data: t.GetData(), shape: shape, v: v}, nil
	case *ort.Tensor[bool]:
		return &Tensor[bool]{data: t.GetData(), shape: shape, v: v}, nil
	case *ort.CustomDataTensor:
		if ElemType(t.DataType()) == ElemFloat16 {
			raw := t.GetData()
			n := len(raw) / 2
			var data []Float16
			if n > 0 {
				data = unsafe.Slice((*Float16)(unsafe.Pointer(&raw[0])), n)
			}
			return &Tensor[Float16]{data: data, shape: shape, v: v}, nil
		}
	}
	elem := ElemType(v.DataType())
	v.Destroy()
	return nil, fmt.Errorf("onnx: output element type %s is not supported", elem)
}
