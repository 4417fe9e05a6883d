package tfjs

import (
	"fmt"

	"github.com/vivid-ml/vivid-ml-engine/onnx/onnxpb"
)

// value is one converted TF tensor: its ONNX name, element type, static shape
// (nil: unknown rank; -1: unknown dimension; empty: scalar) and constant contents if known.
type value struct {
	name  string
	dtype onnxpb.TensorProto_DataType
	shape []int64
	konst *tensor
	// pending marks a constant whose initializer is written only once something uses it.
	pending bool
}

// rank is the number of dimensions, or -1 when unknown.
func (v *value) rank() int {
	if v.shape == nil {
		return -1
	}
	return len(v.shape)
}

// builder accumulates ONNX nodes and initializers with unique names.
type builder struct {
	nodes []*onnxpb.NodeProto
	inits []*onnxpb.TensorProto
	names map[string]bool
}

func newBuilder() *builder { return &builder{names: map[string]bool{}} }

// unique returns base, or base_N when base is taken, and reserves it.
func (b *builder) unique(base string) string {
	name := base
	for k := 1; b.names[name]; k++ {
		name = fmt.Sprintf("%s_%d", base, k)
	}
	b.names[name] = true
	return name
}

// add appends one ONNX node; its name is its first output.
func (b *builder) add(op string, ins, outs []string, attrs ...*onnxpb.AttributeProto) {
	name := outs[0]
	opType := op
	b.nodes = append(b.nodes, &onnxpb.NodeProto{
		Name: &name, OpType: &opType, Input: ins, Output: outs, Attribute: attrs,
	})
}

// initializer adds a constant tensor under a unique name derived from base.
func (b *builder) initializer(base string, t *tensor) string {
	name := b.unique(base)
	b.inits = append(b.inits, t.proto(name))
	return name
}

// ints64 adds a 1-D int64 initializer (axes, shapes, pads for ONNX inputs).
func (b *builder) ints64(base string, v ...int64) string {
	return b.initializer(base, &tensor{dtype: dtInt64, shape: []int64{int64(len(v))}, i: v})
}

// scalar adds a scalar initializer of dtype dt holding x.
func (b *builder) scalar(base string, dt onnxpb.TensorProto_DataType, x float64) string {
	t := &tensor{dtype: dt, shape: []int64{}}
	switch dt {
	case dtFloat:
		t.f = []float32{float32(x)}
	case dtBool:
		t.b = []bool{x != 0}
	default:
		t.i = []int64{int64(x)}
	}
	return b.initializer(base, t)
}

type onnxAttr = onnxpb.AttributeProto

func attrInt(name string, v int64) *onnxpb.AttributeProto {
	t := onnxpb.AttributeProto_INT
	return &onnxpb.AttributeProto{Name: &name, Type: &t, I: &v}
}

func attrInts(name string, v []int64) *onnxpb.AttributeProto {
	t := onnxpb.AttributeProto_INTS
	return &onnxpb.AttributeProto{Name: &name, Type: &t, Ints: v}
}

func attrFloat(name string, v float32) *onnxpb.AttributeProto {
	t := onnxpb.AttributeProto_FLOAT
	return &onnxpb.AttributeProto{Name: &name, Type: &t, F: &v}
}

func attrString(name, v string) *onnxpb.AttributeProto {
	t := onnxpb.AttributeProto_STRING
	return &onnxpb.AttributeProto{Name: &name, Type: &t, S: []byte(v)}
}

// broadcastShape is numpy broadcasting of static shapes; unknown stays unknown.
func broadcastShape(shapes ...[]int64) []int64 {
	rank := 0
	for _, s := range shapes {
		if s == nil {
			return nil
		}
		rank = max(rank, len(s))
	}
	out := make([]int64, rank)
	for i := range out {
		out[i] = 1
	}
	for _, s := range shapes {
		off := rank - len(s)
		for i, d := range s {
			switch o := out[off+i]; {
			case d == 1:
			case o == 1:
				out[off+i] = d
			case o != d:
				out[off+i] = -1
			}
		}
	}
	return out
}
