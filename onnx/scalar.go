//go:build cgo

package onnx

import (
	"fmt"

	ort "github.com/yalue/onnxruntime_go"
)

// Scalar is a rank-0 tensor (shape []), e.g. a diffusion timestep. onnxruntime_go cannot
// share a Go slice with a rank-0 tensor, so as an input a Scalar is immutable: make a new
// one when the value changes (it is cheap) and Destroy the old one. As a Run output it
// receives the model's value.
type Scalar[T ScalarElem] struct {
	v   T
	val *ort.Scalar[T]
}

// ScalarElem is the set of element types a Scalar can hold (no float16: onnxruntime_go
// would type it as uint16).
type ScalarElem interface {
	float32 | float64 | int8 | uint8 | int32 | int64 | bool
}

// NewScalar makes a rank-0 tensor holding v.
func NewScalar[T ScalarElem](v T) (*Scalar[T], error) {
	if !initialized() {
		return nil, ErrNotInitialized
	}
	s, err := ort.NewScalar(v)
	if err != nil {
		return nil, fmt.Errorf("onnx: new scalar: %w", ortError(err))
	}
	return &Scalar[T]{v: v, val: s}, nil
}

// Value is the scalar's value (after Run, the value the model wrote).
func (s *Scalar[T]) Value() T {
	if s.val != nil {
		return s.val.GetData()
	}
	return s.v
}

// Elem is the scalar's element type.
func (s *Scalar[T]) Elem() ElemType {
	var z T
	return elemOfAny(any(z))
}

// Shape is always empty.
func (s *Scalar[T]) Shape() []int64 { return []int64{} }

// Destroy releases the native value; safe to call twice.
func (s *Scalar[T]) Destroy() error {
	if s == nil || s.val == nil {
		return nil
	}
	err := s.val.Destroy()
	s.val = nil
	return err
}

func (s *Scalar[T]) ort() ort.Value {
	if s.val == nil {
		return nil
	}
	return s.val
}
