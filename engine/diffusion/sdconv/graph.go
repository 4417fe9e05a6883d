package sdconv

import (
	"errors"
	"fmt"
	"slices"

	"github.com/vivid-ml/vivid-ml-engine/onnx/onnxpb"
	"google.golang.org/protobuf/proto"
)

// Versions written into every model: IR 8 and opset 17 (what Optimum exports SDXL
// with) load in ONNX Runtime ≥ 1.14 and validate with Debian's python3-onnx 1.12.
const (
	irVersion = 8
	opset     = 17
)

// Element types used in graphs.
const (
	f32 = int32(onnxpb.TensorProto_FLOAT)
	f16 = int32(onnxpb.TensorProto_FLOAT16)
	i64 = int32(onnxpb.TensorProto_INT64)
	i32 = int32(onnxpb.TensorProto_INT32)
)

// dim is one tensor dimension: an int (fixed) or a string (symbolic, dynamic).
type dim any

// initializer is an initializer whose float data is read from the weights only when the model
// is written, one tensor at a time, so a 10 GB UNet never sits in memory whole.
type initializer struct {
	name  string
	dims  []int64
	elem  int32
	load  func() ([]float32, error) // float initializers
	ints  []int64                   // int64 initializers
	bytes int64
}

// graph builds one ONNX graph. Every float value has the compute type dt (float32, or
// float16 with --fp16); normalisations run in float32 either way.
type graph struct {
	name    string
	dt      int32
	src     Source
	nodes   []*onnxpb.NodeProto
	inits   []*initializer
	have    map[string]bool
	inputs  []*onnxpb.ValueInfoProto
	outputs []*onnxpb.ValueInfoProto
	n       int
	errs    []error
	scalars map[string]string
	// upcastAttention computes attention scores in float32 in a float16 graph
	// (diffusers' upcast_attention, set in SD 2.x configs).
	upcastAttention bool
}

func newGraph(name string, src Source, fp16 bool) *graph {
	g := &graph{name: name, dt: f32, src: src, have: map[string]bool{}, scalars: map[string]string{}}
	if fp16 {
		g.dt = f16
	}
	return g
}

// err summarises the build errors: the first few, then how many more.
func (g *graph) err() error {
	const show = 8
	if len(g.errs) <= show {
		return errors.Join(g.errs...)
	}
	return errors.Join(append(slices.Clone(g.errs[:show]), fmt.Errorf("… and %d more", len(g.errs)-show))...)
}

func (g *graph) tmp(prefix string) string {
	g.n++
	return fmt.Sprintf("/%s_%d", prefix, g.n)
}

// node adds one node with a single output (named out, or a fresh name) and returns it.
func (g *graph) node(op, out string, inputs []string, attrs ...*onnxpb.AttributeProto) string {
	if out == "" {
		out = g.tmp(op)
	}
	g.nodes = append(g.nodes, &onnxpb.NodeProto{
		Name: proto.String(fmt.Sprintf("%s_%d", op, len(g.nodes))), OpType: proto.String(op),
		Input: inputs, Output: []string{out}, Attribute: attrs,
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

func numel(dims []int64) int64 {
	n := int64(1)
	for _, d := range dims {
		n *= d
	}
	return n
}

// trimOnes drops trailing 1s (ldm stores some linear weights as 1×1 convolutions).
func trimOnes(d []int64) []int64 {
	for len(d) > 1 && d[len(d)-1] == 1 {
		d = d[:len(d)-1]
	}
	return d
}

// shapeRecorder is a Source that has every weight and records what a graph asks for
// (the tests list a config's weights with it).
type shapeRecorder interface {
	Source
	record(name string, shape []int64)
}

// weight registers the named weight with shape want (checked now, read at write time)
// and returns its value name. transform, when set, rewrites the data (e.g. transposes).
func (g *graph) weight(name string, want []int64, stored []int64, transform func([]float32) []float32) string {
	if g.have[name] {
		return name
	}
	got, ok := g.src.Shape(name)
	if rec, isRec := g.src.(shapeRecorder); isRec {
		rec.record(name, want)
		got, ok = want, true
	}
	switch {
	case !ok:
		g.errs = append(g.errs, fmt.Errorf("%w: %s: missing %s (want %v)", ErrWeights, g.name, name, want))
	case !slices.Equal(trimOnes(got), trimOnes(want)):
		g.errs = append(g.errs, fmt.Errorf("%w: %s: %s has shape %v, want %v", ErrWeights, g.name, name, got, want))
	}
	if stored == nil {
		stored = want
	}
	src := g.src
	g.have[name] = true
	g.inits = append(g.inits, &initializer{name: name, dims: stored, elem: g.dt, bytes: numel(stored) * elemSize(g.dt),
		load: func() ([]float32, error) {
			v, err := src.Float32(name)
			if err != nil {
				return nil, err
			}
			if transform != nil {
				v = transform(v)
			}
			return v, nil
		}})
	return name
}

// param is a weight stored as it is.
func (g *graph) param(name string, shape ...int64) string { return g.weight(name, shape, nil, nil) }

// constant adds a float initializer (compute type) with the given values.
func (g *graph) constant(name string, vals []float32, dims ...int64) string {
	v := slices.Clone(vals)
	g.inits = append(g.inits, &initializer{name: name, dims: dims, elem: g.dt, bytes: numel(dims) * elemSize(g.dt),
		load: func() ([]float32, error) { return v, nil }})
	return name
}

// scalar is a rank-0 float constant of the compute type, shared per value.
func (g *graph) scalar(v float32) string {
	key := fmt.Sprint(g.dt, "/", v) // per element type: attention may be upcast in a float16 graph
	if n, ok := g.scalars[key]; ok {
		return n
	}
	n := g.constant(fmt.Sprintf("/const/%s", key), []float32{v})
	g.scalars[key] = n
	return n
}

// ints adds an int64 initializer (shapes, axes).
func (g *graph) ints(vals ...int64) string {
	name := g.tmp("ints")
	g.inits = append(g.inits, &initializer{name: name, dims: []int64{int64(len(vals))}, elem: i64, ints: vals})
	return name
}

func (g *graph) cast(x string, to int32) string {
	return g.node("Cast", "", []string{x}, attrInt("to", int64(to)))
}

func valueInfo(name string, elem int32, dims []dim) *onnxpb.ValueInfoProto {
	shape := &onnxpb.TensorShapeProto{}
	for _, d := range dims {
		dd := &onnxpb.TensorShapeProto_Dimension{}
		switch v := d.(type) {
		case int:
			dd.Value = &onnxpb.TensorShapeProto_Dimension_DimValue{DimValue: int64(v)}
		case int64:
			dd.Value = &onnxpb.TensorShapeProto_Dimension_DimValue{DimValue: v}
		case string:
			dd.Value = &onnxpb.TensorShapeProto_Dimension_DimParam{DimParam: v}
		}
		shape.Dim = append(shape.Dim, dd)
	}
	return &onnxpb.ValueInfoProto{Name: proto.String(name), Type: &onnxpb.TypeProto{Value: &onnxpb.TypeProto_TensorType{
		TensorType: &onnxpb.TypeProto_Tensor{ElemType: proto.Int32(elem), Shape: shape}}}}
}

// input declares a graph input of the compute type (or elem when non-zero).
func (g *graph) input(name string, elem int32, dims ...dim) string {
	if elem == 0 {
		elem = g.dt
	}
	g.inputs = append(g.inputs, valueInfo(name, elem, dims))
	return name
}

// output declares a graph output of the compute type computed as v.
func (g *graph) output(name, v string, dims ...dim) {
	g.node("Identity", name, []string{v})
	g.outputs = append(g.outputs, valueInfo(name, g.dt, dims))
}

func elemSize(e int32) int64 {
	switch e {
	case f16:
		return 2
	case i64:
		return 8
	}
	return 4
}

func attrStr(name, v string) *onnxpb.AttributeProto {
	t := onnxpb.AttributeProto_STRING
	return &onnxpb.AttributeProto{Name: proto.String(name), Type: &t, S: []byte(v)}
}
