//go:build !cgo

package onnx

import (
	"log/slog"

	"github.com/vivid-ml/vivid-ml-engine/engine/infer"
)

// This file keeps builds without cgo (cross-compiles, GOOS=windows vet) compiling:
// ONNX Runtime needs cgo, so everything here returns ErrNoCgo.

// Value is a tensor that Session.Run can take as input or output.
type Value interface {
	Elem() ElemType
	Shape() []int64
	Destroy() error
}

// Tensor is unavailable without cgo.
type Tensor[T Elem] struct {
	data  []T
	shape []int64
}

// NewTensor returns ErrNoCgo.
func NewTensor[T Elem](shape ...int64) (*Tensor[T], error) { return nil, ErrNoCgo }

// NewTensorFrom returns ErrNoCgo.
func NewTensorFrom[T Elem](data []T, shape ...int64) (*Tensor[T], error) { return nil, ErrNoCgo }

// Data is the tensor's element slice.
func (t *Tensor[T]) Data() []T { return t.data }

// Shape returns a copy of the tensor's shape.
func (t *Tensor[T]) Shape() []int64 { return append([]int64(nil), t.shape...) }

// Elem is the tensor's element type.
func (t *Tensor[T]) Elem() ElemType { return ElemOf[T]() }

// Destroy does nothing.
func (t *Tensor[T]) Destroy() error { return nil }

// Init returns ErrNoCgo.
func Init(libPath string) error { return ErrNoCgo }

// Version returns "".
func Version() string { return "" }

// LibraryPath returns "".
func LibraryPath() string { return "" }

// Session is unavailable without cgo.
type Session struct{}

// NewSession returns ErrNoCgo.
func NewSession(modelPath string, opts SessionOptions) (*Session, error) { return nil, ErrNoCgo }

// Provider returns "".
func (s *Session) Provider() string { return "" }

// Skipped returns nil.
func (s *Session) Skipped() []ProviderSkip { return nil }

// Inputs returns nil.
func (s *Session) Inputs() []TensorInfo { return nil }

// Outputs returns nil.
func (s *Session) Outputs() []TensorInfo { return nil }

// Run returns ErrNoCgo.
func (s *Session) Run(inputs, outputs []Value) error { return ErrNoCgo }

// RunAlloc returns ErrNoCgo.
func (s *Session) RunAlloc(inputs []Value) ([]Value, error) { return nil, ErrNoCgo }

// RunNamed returns ErrNoCgo.
func (s *Session) RunNamed(inputs, outputs map[string]Value) error { return ErrNoCgo }

// Close does nothing.
func (s *Session) Close() error { return nil }

// ScalarElem is the set of element types a Scalar can hold.
type ScalarElem interface {
	float32 | float64 | int8 | uint8 | int32 | int64 | bool
}

// Scalar is unavailable without cgo.
type Scalar[T ScalarElem] struct{ v T }

// NewScalar returns ErrNoCgo.
func NewScalar[T ScalarElem](v T) (*Scalar[T], error) { return nil, ErrNoCgo }

// Value is the scalar's value.
func (s *Scalar[T]) Value() T { return s.v }

// Elem is the scalar's element type.
func (s *Scalar[T]) Elem() ElemType { return elemOfAny(any(s.v)) }

// Shape is always empty.
func (s *Scalar[T]) Shape() []int64 { return []int64{} }

// Destroy does nothing.
func (s *Scalar[T]) Destroy() error { return nil }

// CheckProvider returns ErrNoCgo.
func CheckProvider(p ProviderConfig) error { return ErrNoCgo }

func newModel(s *Session, spec infer.Spec, log *slog.Logger) (infer.Model, error) {
	return nil, ErrNoCgo
}
