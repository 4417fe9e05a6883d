package xla_test

import (
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"

	"google.golang.org/protobuf/proto"

	"github.com/vivid-ml/vivid-ml-engine/engine/infer"
	"github.com/vivid-ml/vivid-ml-engine/onnx/onnxpb"
)

// tin is one node input of an op test: a runtime input (random unless values are
// given) or, with konst, an initializer; empty leaves an optional input out.
type tin struct {
	elem  infer.DType
	shape []int64
	f32   []float32
	i64   []int64
	konst bool
	empty bool
}

func f32In(shape ...int64) tin { return tin{elem: infer.Float32, shape: shape} }
func f16In(shape ...int64) tin { return tin{elem: infer.Float16, shape: shape} }
func i64Const(v ...int64) tin {
	return tin{elem: infer.Int64, shape: []int64{int64(len(v))}, i64: v, konst: true}
}
func f32Const(shape []int64, v ...float32) tin {
	return tin{elem: infer.Float32, shape: shape, f32: v, konst: true}
}
func noIn() tin { return tin{empty: true} }

// boolElem marks a bool runtime input (fed as uint8 through a Cast).
const boolElem = infer.DType(9)

func aInt(name string, v int64) *onnxpb.AttributeProto {
	return &onnxpb.AttributeProto{Name: proto.String(name), I: proto.Int64(v), Type: onnxpb.AttributeProto_INT.Enum()}
}
func aInts(name string, v ...int64) *onnxpb.AttributeProto {
	return &onnxpb.AttributeProto{Name: proto.String(name), Ints: v, Type: onnxpb.AttributeProto_INTS.Enum()}
}
func aFloat(name string, v float32) *onnxpb.AttributeProto {
	return &onnxpb.AttributeProto{Name: proto.String(name), F: proto.Float32(v), Type: onnxpb.AttributeProto_FLOAT.Enum()}
}
func aStr(name, v string) *onnxpb.AttributeProto {
	return &onnxpb.AttributeProto{Name: proto.String(name), S: []byte(v), Type: onnxpb.AttributeProto_STRING.Enum()}
}

func vinfo(name string, elem infer.DType, shape []int64) *onnxpb.ValueInfoProto {
	dims := make([]*onnxpb.TensorShapeProto_Dimension, len(shape))
	for i, d := range shape {
		dims[i] = &onnxpb.TensorShapeProto_Dimension{Value: &onnxpb.TensorShapeProto_Dimension_DimValue{DimValue: d}}
	}
	return &onnxpb.ValueInfoProto{
		Name: proto.String(name),
		Type: &onnxpb.TypeProto{Value: &onnxpb.TypeProto_TensorType{TensorType: &onnxpb.TypeProto_Tensor{
			ElemType: proto.Int32(int32(elem)), Shape: &onnxpb.TensorShapeProto{Dim: dims},
		}}},
	}
}

// values fills an input's data: given values, else deterministic random ones
// (floats in [-2, 2), ints in [0, 4)).
func (ti tin) tensor(r *rand.Rand) *infer.Tensor {
	t, _ := infer.NewTensor(ti.elem, ti.shape...)
	if len(ti.shape) == 0 {
		t, _ = infer.NewTensor(ti.elem)
	}
	switch {
	case ti.f32 != nil:
		t.SetFloats(0, ti.f32)
	case ti.i64 != nil:
		copy(t.I64, ti.i64)
	default:
		for i := range t.Len() {
			v := r.Float64()*4 - 2
			switch ti.elem {
			case infer.Float32, infer.Float16:
				t.SetFloats(i, []float32{float32(v)})
			case infer.Int64:
				t.I64[i] = int64(r.IntN(4))
			case infer.Int32:
				t.I32[i] = int32(r.IntN(4))
			case infer.Uint8:
				t.U8[i] = uint8(r.IntN(256))
			}
		}
	}
	return t
}

// writeOpModel writes a one-node model and returns it with its runtime inputs.
func writeOpModel(t testing.TB, op string, opset int64, at []*onnxpb.AttributeProto, ins []tin, outElem []infer.DType, outs [][]int64) (string, []*infer.Tensor) {
	t.Helper()
	r := rand.New(rand.NewPCG(7, uint64(len(op))))
	g := &onnxpb.GraphProto{Name: proto.String("g")}
	node := &onnxpb.NodeProto{OpType: proto.String(op), Name: proto.String(op + "_0"), Attribute: at}
	var feeds []*infer.Tensor
	var pre, post []*onnxpb.NodeProto
	for i, ti := range ins {
		if ti.empty {
			node.Input = append(node.Input, "")
			continue
		}
		name := "in" + string(rune('a'+i))
		node.Input = append(node.Input, name)
		if !ti.konst && ti.elem == boolElem {
			// the contract has no bool: feed uint8 and cast
			raw := "raw_" + name
			g.Input = append(g.Input, vinfo(raw, infer.Uint8, ti.shape))
			u := ti
			u.elem = infer.Uint8
			feed := u.tensor(r)
			for j := range feed.U8 {
				feed.U8[j] %= 2
			}
			feeds = append(feeds, feed)
			pre = append(pre, &onnxpb.NodeProto{OpType: proto.String("Cast"), Input: []string{raw}, Output: []string{name},
				Attribute: []*onnxpb.AttributeProto{aInt("to", 9)}})
			continue
		}
		if !ti.konst {
			g.Input = append(g.Input, vinfo(name, ti.elem, ti.shape))
			feeds = append(feeds, ti.tensor(r))
			continue
		}
		tp := &onnxpb.TensorProto{Name: proto.String(name), Dims: ti.shape, DataType: proto.Int32(int32(ti.elem))}
		if ti.elem == infer.Int64 {
			tp.Int64Data = ti.i64
		} else {
			tp.FloatData = ti.tensor(r).F32
		}
		g.Initializer = append(g.Initializer, tp)
	}
	for i, s := range outs {
		name := "out" + string(rune('a'+i))
		g.Output = append(g.Output, vinfo(name, outElem[i], s))
		if outElem[i] == infer.Uint8 { // a bool result, cast for the contract
			node.Output = append(node.Output, "bool_"+name)
			post = append(post, &onnxpb.NodeProto{OpType: proto.String("Cast"), Input: []string{"bool_" + name}, Output: []string{name},
				Attribute: []*onnxpb.AttributeProto{aInt("to", 2)}})
			continue
		}
		node.Output = append(node.Output, name)
	}
	g.Node = append(append(pre, node), post...)
	m := &onnxpb.ModelProto{
		IrVersion:   proto.Int64(8),
		OpsetImport: []*onnxpb.OperatorSetIdProto{{Domain: proto.String(""), Version: proto.Int64(opset)}},
		Graph:       g,
	}
	data, err := proto.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), op+".onnx")
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return path, feeds
}
