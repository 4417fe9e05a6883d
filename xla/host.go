package xla

import (
	"github.com/gomlx/gomlx/pkg/core/tensors"

	"github.com/vivid-ml/vivid-ml-engine/engine/convert"
	"github.com/vivid-ml/vivid-ml-engine/onnx/onnxpb"
)

// hostT is a tensor known at compile time (an initializer, a Constant node, a shape
// or anything computed from those): shape-computing subgraphs are folded on the host
// so the lowered graph is fully static for one input-shape bucket. Floats are held in
// f32 (or f16 bits for fp16 weights), every integer and bool type in i64.
type hostT struct {
	dt   onnxpb.TensorProto_DataType
	dims []int
	f32  []float32
	f16  []uint16
	i64  []int64
}

func (h *hostT) len() int {
	switch {
	case h.f32 != nil:
		return len(h.f32)
	case h.f16 != nil:
		return len(h.f16)
	}
	return len(h.i64)
}

// hostFromTensor copies a (small) graph result into a host tensor of ONNX type dt.
func hostFromTensor(t *tensors.Tensor, dt onnxpb.TensorProto_DataType) *hostT {
	h := &hostT{dt: dt, dims: append([]int{}, t.Shape().Dimensions...)}
	t.MustConstFlatData(func(flat any) {
		switch f := flat.(type) {
		case []float32:
			h.f32 = append([]float32{}, f...)
		case []float64:
			h.f32 = make([]float32, len(f))
			for i, v := range f {
				h.f32[i] = float32(v)
			}
		case []int64:
			h.i64 = append([]int64{}, f...)
		case []int32:
			h.i64 = widen(f)
		case []int16:
			h.i64 = widen(f)
		case []int8:
			h.i64 = widen(f)
		case []uint8:
			h.i64 = widen(f)
		case []bool:
			h.i64 = make([]int64, len(f))
			for i, b := range f {
				if b {
					h.i64[i] = 1
				}
			}
		default:
			fail("fold: unexpected result type %T", flat)
		}
	})
	if h.f32 == nil && h.i64 == nil {
		if dt == onnxpb.TensorProto_FLOAT || dt == onnxpb.TensorProto_FLOAT16 || dt == onnxpb.TensorProto_DOUBLE {
			h.f32 = []float32{}
		} else {
			h.i64 = []int64{}
		}
	}
	return h
}

func widen[T int32 | int16 | int8 | uint8](f []T) []int64 {
	out := make([]int64, len(f))
	for i, v := range f {
		out[i] = int64(v)
	}
	return out
}

func f16to32(b uint16) float32 { return convert.Float32From16(b) }

// hostInt64 builds an int64 host tensor.
func hostInt64(dims []int, v []int64) *hostT {
	return &hostT{dt: onnxpb.TensorProto_INT64, dims: dims, i64: v}
}
