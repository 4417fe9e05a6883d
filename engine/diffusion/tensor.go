package diffusion

import "github.com/vivid-ml/vivid-ml-engine/engine/infer"

// Tensor and Elem are the inference contract's (package infer).
type (
	Tensor = infer.Tensor
	Elem   = infer.DType
)

// Element types the pipeline feeds and reads.
const (
	Float32 = infer.Float32
	Int32   = infer.Int32
	Int64   = infer.Int64
	Float16 = infer.Float16
)

// NewTensor allocates a zeroed tensor.
func NewTensor(elem Elem, shape ...int64) (*Tensor, error) { return infer.NewTensor(elem, shape...) }
