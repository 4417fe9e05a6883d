package tiny

import (
	"encoding/binary"
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/vivid-ml/vivid-ml-engine/engine/convert"
	"github.com/vivid-ml/vivid-ml-engine/onnx/onnxpb"
	"google.golang.org/protobuf/proto"
)

// Versions written into every model: IR 8 and opset 17 load in ONNX Runtime ≥ 1.14
// and validate with Debian's python3-onnx 1.12.
const (
	irVersion = 8
	opset     = 17
)

// dim is one tensor dimension: an int (fixed) or a string (symbolic, dynamic).
type dim any

// graph builds one ONNX graph. With fp16 set, weights are stored as float16 and
// graph inputs/outputs are float16 (as real fp16 exports); compute stays float32
// through Cast nodes so the CPU provider runs every op.
type graph struct {
	name    string
	fp16    bool
	rng     *rand.Rand
	nodes   []*onnxpb.NodeProto
	inits   []*onnxpb.TensorProto
	inputs  []*onnxpb.ValueInfoProto
	outputs []*onnxpb.ValueInfoProto
	n       int
}

func newGraph(name string, seed uint64, fp16 bool) *graph {
	return &graph{name: name, fp16: fp16, rng: rand.New(rand.NewPCG(seed, 0x9e3779b97f4a7c15))}
}

func (g *graph) floatType() int32 {
	if g.fp16 {
		return int32(onnxpb.TensorProto_FLOAT16)
	}
	return int32(onnxpb.TensorProto_FLOAT)
}

func (g *graph) tmp(prefix string) string {
	g.n++
	return fmt.Sprintf("/%s_%d", prefix, g.n)
}

// node adds one node with a single output and returns the output name.
func (g *graph) node(op string, out string, inputs []string, attrs ...*onnxpb.AttributeProto) string {
	if out == "" {
		out = g.tmp(op)
	}
	g.nodes = append(g.nodes, &onnxpb.NodeProto{
		Name:      proto.String(fmt.Sprintf("%s_node_%d", op, len(g.nodes))),
		OpType:    proto.String(op),
		Input:     inputs,
		Output:    []string{out},
		Attribute: attrs,
	})
	return out
}

func (g *graph) op(op string, inputs ...string) string { return g.node(op, "", inputs) }

func attrInt(name string, v int64) *onnxpb.AttributeProto {
	t := onnxpb.AttributeProto_INT
	return &onnxpb.AttributeProto{Name: proto.String(name), Type: &t, I: proto.Int64(v)}
}

func attrInts(name string, v ...int64) *onnxpb.AttributeProto {
	t := onnxpb.AttributeProto_INTS
	return &onnxpb.AttributeProto{Name: proto.String(name), Type: &t, Ints: v}
}

func attrFloat(name string, v float32) *onnxpb.AttributeProto {
	t := onnxpb.AttributeProto_FLOAT
	return &onnxpb.AttributeProto{Name: proto.String(name), Type: &t, F: proto.Float32(v)}
}

// weight adds a random initializer (uniform in ±scale) and returns a float32 value name.
func (g *graph) weight(name string, scale float64, dims ...int64) string {
	n := int64(1)
	for _, d := range dims {
		n *= d
	}
	vals := make([]float32, n)
	for i := range vals {
		vals[i] = float32((g.rng.Float64()*2 - 1) * scale)
	}
	return g.floatConst(name, vals, dims...)
}

// floatConst adds a float initializer with the given values.
func (g *graph) floatConst(name string, vals []float32, dims ...int64) string {
	t := &onnxpb.TensorProto{Name: proto.String(name), Dims: dims}
	if !g.fp16 {
		t.DataType = proto.Int32(int32(onnxpb.TensorProto_FLOAT))
		t.RawData = make([]byte, 4*len(vals))
		for i, v := range vals {
			binary.LittleEndian.PutUint32(t.RawData[4*i:], math.Float32bits(v))
		}
		g.inits = append(g.inits, t)
		return name
	}
	t.DataType = proto.Int32(int32(onnxpb.TensorProto_FLOAT16))
	t.RawData = make([]byte, 2*len(vals))
	for i, v := range vals {
		binary.LittleEndian.PutUint16(t.RawData[2*i:], convert.Float16(v))
	}
	g.inits = append(g.inits, t)
	return g.node("Cast", name+"_f32", []string{name}, attrInt("to", int64(onnxpb.TensorProto_FLOAT)))
}

// int64Const adds an int64 initializer (shapes, axes, moduli).
func (g *graph) int64Const(name string, vals ...int64) string {
	g.inits = append(g.inits, &onnxpb.TensorProto{
		Name: proto.String(name), Dims: []int64{int64(len(vals))},
		DataType: proto.Int32(int32(onnxpb.TensorProto_INT64)), Int64Data: vals,
	})
	return name
}

func valueInfo(name string, elem int32, dims []dim) *onnxpb.ValueInfoProto {
	shape := &onnxpb.TensorShapeProto{}
	for _, d := range dims {
		dd := &onnxpb.TensorShapeProto_Dimension{}
		switch v := d.(type) {
		case int:
			dd.Value = &onnxpb.TensorShapeProto_Dimension_DimValue{DimValue: int64(v)}
		case string:
			dd.Value = &onnxpb.TensorShapeProto_Dimension_DimParam{DimParam: v}
		}
		shape.Dim = append(shape.Dim, dd)
	}
	return &onnxpb.ValueInfoProto{
		Name: proto.String(name),
		Type: &onnxpb.TypeProto{Value: &onnxpb.TypeProto_TensorType{
			TensorType: &onnxpb.TypeProto_Tensor{ElemType: proto.Int32(elem), Shape: shape},
		}},
	}
}

// floatInput declares a float (or float16) graph input and returns a float32 value name.
func (g *graph) floatInput(name string, dims ...dim) string {
	g.inputs = append(g.inputs, valueInfo(name, g.floatType(), dims))
	if !g.fp16 {
		return name
	}
	return g.node("Cast", name+"_f32", []string{name}, attrInt("to", int64(onnxpb.TensorProto_FLOAT)))
}

// typedInput declares a graph input of a fixed element type (e.g. int32 token ids).
func (g *graph) typedInput(name string, elem onnxpb.TensorProto_DataType, dims ...dim) string {
	g.inputs = append(g.inputs, valueInfo(name, int32(elem), dims))
	return name
}

// floatOutput declares a float (or float16) graph output computed from the float32 value v.
func (g *graph) floatOutput(name, v string, dims ...dim) {
	if g.fp16 {
		g.node("Cast", name, []string{v}, attrInt("to", int64(onnxpb.TensorProto_FLOAT16)))
	} else {
		g.node("Identity", name, []string{v})
	}
	g.outputs = append(g.outputs, valueInfo(name, g.floatType(), dims))
}

// marshal returns the model bytes; deterministic so equal seeds give equal files.
func (g *graph) marshal() ([]byte, error) {
	m := &onnxpb.ModelProto{
		IrVersion:       proto.Int64(irVersion),
		ProducerName:    proto.String("vivid-ml-engine tiny-sdxl"),
		ProducerVersion: proto.String("1"),
		OpsetImport:     []*onnxpb.OperatorSetIdProto{{Domain: proto.String(""), Version: proto.Int64(opset)}},
		Graph: &onnxpb.GraphProto{
			Name: proto.String(g.name), Node: g.nodes, Initializer: g.inits,
			Input: g.inputs, Output: g.outputs,
		},
	}
	return proto.MarshalOptions{Deterministic: true}.Marshal(m)
}
