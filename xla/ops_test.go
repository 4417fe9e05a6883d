package xla_test

import (
	"testing"

	"github.com/vivid-ml/vivid-ml-engine/engine/infer"
	"github.com/vivid-ml/vivid-ml-engine/onnx/onnxpb"
)

// opCase is one single-node model run on ONNX Runtime (the reference) and on the
// pure-Go backend over small deterministic random inputs.
type opCase struct {
	name  string
	op    string
	opset int64 // 0: 17
	at    []*onnxpb.AttributeProto
	in    []tin
	outs  [][]int64
	elems []infer.DType // nil: float32 outputs
	tol   float64       // 0: 1e-5
}

var f, i64 = infer.Float32, infer.Int64

func s(d ...int64) []int64                                       { return d }
func attrs(a ...*onnxpb.AttributeProto) []*onnxpb.AttributeProto { return a }

var opCases = []opCase{
	// elementwise
	{name: "add-broadcast", op: "Add", in: []tin{f32In(2, 3, 4), f32In(3, 1)}, outs: [][]int64{{2, 3, 4}}},
	{name: "sub", op: "Sub", in: []tin{f32In(2, 3), f32In(3)}, outs: [][]int64{{2, 3}}},
	{name: "mul", op: "Mul", in: []tin{f32In(2, 3), f32In(1)}, outs: [][]int64{{2, 3}}},
	{name: "div", op: "Div", in: []tin{f32In(2, 3), f32Const(s(1), 4)}, outs: [][]int64{{2, 3}}},
	{name: "pow-2", op: "Pow", in: []tin{f32In(2, 3), f32Const(s(), 2)}, outs: [][]int64{{2, 3}}},
	{name: "pow-3", op: "Pow", in: []tin{f32In(2, 3), f32Const(s(), 3)}, outs: [][]int64{{2, 3}}},
	{name: "sigmoid", op: "Sigmoid", in: []tin{f32In(3, 4)}, outs: [][]int64{{3, 4}}},
	{name: "erf", op: "Erf", in: []tin{f32In(3, 4)}, outs: [][]int64{{3, 4}}},
	{name: "sqrt", op: "Sqrt", in: []tin{{elem: f, shape: s(4), f32: []float32{0, 1, 2, 9}}}, outs: [][]int64{{4}}},
	{name: "cos", op: "Cos", in: []tin{f32In(5)}, outs: [][]int64{{5}}},
	{name: "sin", op: "Sin", in: []tin{f32In(5)}, outs: [][]int64{{5}}},
	{name: "exp", op: "Exp", in: []tin{f32In(5)}, outs: [][]int64{{5}}},
	{name: "relu", op: "Relu", in: []tin{f32In(5)}, outs: [][]int64{{5}}},
	{name: "tanh", op: "Tanh", in: []tin{f32In(5)}, outs: [][]int64{{5}}},
	{name: "clip", op: "Clip", in: []tin{f32In(6), f32Const(s(), -0.5), f32Const(s(), 0.7)}, outs: [][]int64{{6}}},
	{name: "clip-min-only", op: "Clip", in: []tin{f32In(6), f32Const(s(), 0)}, outs: [][]int64{{6}}},
	{name: "where", op: "Where", in: []tin{{elem: boolElem, shape: s(3)}, f32In(2, 3), f32In(1)}, outs: [][]int64{{2, 3}}},
	{name: "equal", op: "Equal", in: []tin{{elem: i64, shape: s(6)}, {elem: i64, shape: s(6)}}, outs: [][]int64{{6}}, elems: []infer.DType{infer.Uint8}},
	{name: "less", op: "Less", in: []tin{f32In(6), f32In(6)}, outs: [][]int64{{6}}, elems: []infer.DType{infer.Uint8}},
	{name: "lessorequal", op: "LessOrEqual", in: []tin{f32In(6), f32In(6)}, outs: [][]int64{{6}}, elems: []infer.DType{infer.Uint8}},
	{name: "isnan", op: "IsNaN", in: []tin{f32In(6)}, outs: [][]int64{{6}}, elems: []infer.DType{infer.Uint8}},
	{name: "cast-f-i64", op: "Cast", at: attrs(aInt("to", 7)), in: []tin{f32In(6)}, outs: [][]int64{{6}}, elems: []infer.DType{i64}},
	{name: "cast-i64-f", op: "Cast", at: attrs(aInt("to", 1)), in: []tin{{elem: i64, shape: s(6)}}, outs: [][]int64{{6}}},
	{name: "mod-int", op: "Mod", in: []tin{{elem: i64, shape: s(4), i64: []int64{-7, 7, -7, 7}}, {elem: i64, shape: s(4), i64: []int64{3, -3, -3, 3}}}, outs: [][]int64{{4}}, elems: []infer.DType{i64}},
	{name: "mod-fmod", op: "Mod", at: attrs(aInt("fmod", 1)), in: []tin{f32In(6), f32Const(s(), 0.7)}, outs: [][]int64{{6}}},
	// shape
	{name: "reshape", op: "Reshape", in: []tin{f32In(2, 3, 4), i64Const(0, -1)}, outs: [][]int64{{2, 12}}},
	{name: "transpose", op: "Transpose", at: attrs(aInts("perm", 0, 2, 1, 3)), in: []tin{f32In(1, 2, 3, 4)}, outs: [][]int64{{1, 3, 2, 4}}},
	{name: "unsqueeze", op: "Unsqueeze", in: []tin{f32In(2, 3), i64Const(0, -1)}, outs: [][]int64{{1, 2, 3, 1}}},
	{name: "squeeze", op: "Squeeze", in: []tin{f32In(1, 3, 1), i64Const(0)}, outs: [][]int64{{3, 1}}},
	{name: "concat", op: "Concat", at: attrs(aInt("axis", -1)), in: []tin{f32In(2, 3), f32In(2, 2)}, outs: [][]int64{{2, 5}}},
	// an empty operand (torch's SDXL UNet export concatenates a shape [0] int64 constant)
	{name: "concat-empty-i64", op: "Concat", at: attrs(aInt("axis", 0)), in: []tin{{elem: i64, shape: s(3)}, i64Const()}, outs: [][]int64{{3}}, elems: []infer.DType{i64}},
	{name: "split", op: "Split", at: attrs(aInt("axis", 1)), in: []tin{f32In(2, 5), i64Const(2, 3)}, outs: [][]int64{{2, 2}, {2, 3}}, elems: []infer.DType{f, f}},
	{name: "split-equal", op: "Split", in: []tin{f32In(4, 2)}, outs: [][]int64{{2, 2}, {2, 2}}, elems: []infer.DType{f, f}},
	{name: "slice", op: "Slice", in: []tin{f32In(4, 6), i64Const(1, 0), i64Const(100, -1), i64Const(0, 1), i64Const(1, 2)}, outs: [][]int64{{3, 3}}},
	{name: "slice-reverse", op: "Slice", in: []tin{f32In(5), i64Const(-1), i64Const(-100), i64Const(0), i64Const(-2)}, outs: [][]int64{{3}}},
	{name: "gather-axis1", op: "Gather", at: attrs(aInt("axis", 1)), in: []tin{f32In(2, 5, 3), {elem: i64, shape: s(2, 2), i64: []int64{0, -1, 2, 3}, konst: true}}, outs: [][]int64{{2, 2, 2, 3}}},
	{name: "gather-runtime", op: "Gather", in: []tin{f32In(6, 4), {elem: i64, shape: s(3)}}, outs: [][]int64{{3, 4}}},
	{name: "gather-scalar", op: "Gather", at: attrs(aInt("axis", 1)), in: []tin{f32In(2, 5, 3), {elem: i64, shape: s(), i64: []int64{-2}, konst: true}}, outs: [][]int64{{2, 3}}},
	{name: "shape", op: "Shape", in: []tin{f32In(2, 3, 4)}, outs: [][]int64{{3}}, elems: []infer.DType{i64}},
	{name: "shape-start-end", op: "Shape", opset: 15, at: attrs(aInt("start", 1), aInt("end", -1)), in: []tin{f32In(2, 3, 4)}, outs: [][]int64{{1}}, elems: []infer.DType{i64}},
	{name: "softmax-opset11", op: "Softmax", opset: 11, in: []tin{f32In(2, 3, 4)}, outs: [][]int64{{2, 3, 4}}},
	{name: "gathernd", op: "GatherND", in: []tin{f32In(3, 4, 2), {elem: i64, shape: s(2, 2), i64: []int64{0, 1, 2, 3}}}, outs: [][]int64{{2, 2}}},
	{name: "expand", op: "Expand", in: []tin{f32In(3, 1), i64Const(2, 3, 4)}, outs: [][]int64{{2, 3, 4}}},
	{name: "flatten", op: "Flatten", at: attrs(aInt("axis", 2)), in: []tin{f32In(2, 3, 4, 5)}, outs: [][]int64{{6, 20}}},
	{name: "pad", op: "Pad", in: []tin{f32In(1, 2, 3, 3), i64Const(0, 0, 1, 2, 0, 0, 2, 1), f32Const(s(), 0.5)}, outs: [][]int64{{1, 2, 6, 6}}},
	{name: "pad-reflect", op: "Pad", at: attrs(aStr("mode", "reflect")), in: []tin{f32In(1, 1, 4, 4), i64Const(0, 0, 1, 1, 0, 0, 1, 1)}, outs: [][]int64{{1, 1, 6, 6}}},
	{name: "tile", op: "Tile", in: []tin{f32In(2, 3), i64Const(2, 1)}, outs: [][]int64{{4, 3}}},
	// matmul, conv
	{name: "matmul-2d", op: "MatMul", in: []tin{f32In(2, 3, 4), f32Const(s(4, 5))}, outs: [][]int64{{2, 3, 5}}},
	{name: "matmul-batched", op: "MatMul", in: []tin{f32In(2, 3, 4, 5), f32In(2, 1, 5, 6)}, outs: [][]int64{{2, 3, 4, 6}}},
	{name: "matmul-vec", op: "MatMul", in: []tin{f32In(4), f32In(2, 4, 3)}, outs: [][]int64{{2, 3}}},
	{name: "gemm", op: "Gemm", at: attrs(aInt("transB", 1), aFloat("alpha", 0.5), aFloat("beta", 2)), in: []tin{f32In(3, 4), f32Const(s(5, 4)), f32Const(s(5))}, outs: [][]int64{{3, 5}}},
	{name: "conv-pads", op: "Conv", at: attrs(aInts("pads", 1, 1, 1, 1)), in: []tin{f32In(1, 3, 7, 7), f32Const(s(4, 3, 3, 3)), f32Const(s(4))}, outs: [][]int64{{1, 4, 7, 7}}, tol: 1e-4},
	{name: "conv-stride-same-upper", op: "Conv", at: attrs(aStr("auto_pad", "SAME_UPPER"), aInts("strides", 2, 2)), in: []tin{f32In(1, 2, 8, 8), f32Const(s(3, 2, 3, 3))}, outs: [][]int64{{1, 3, 4, 4}}, tol: 1e-4},
	{name: "conv-depthwise", op: "Conv", at: attrs(aInt("group", 4), aInts("pads", 1, 1, 1, 1)), in: []tin{f32In(1, 4, 6, 6), f32Const(s(4, 1, 3, 3))}, outs: [][]int64{{1, 4, 6, 6}}, tol: 1e-4},
	{name: "conv-groups-dilation", op: "Conv", at: attrs(aInt("group", 2), aInts("dilations", 2, 2)), in: []tin{f32In(1, 4, 9, 9), f32Const(s(6, 2, 3, 3))}, outs: [][]int64{{1, 6, 5, 5}}, tol: 1e-4},
	{name: "convtranspose", op: "ConvTranspose", at: attrs(aInts("strides", 2, 2), aInts("pads", 1, 1, 1, 1), aInts("output_padding", 1, 1)), in: []tin{f32In(1, 3, 4, 4), f32Const(s(3, 2, 3, 3)), f32Const(s(2))}, outs: [][]int64{{1, 2, 8, 8}}, tol: 1e-4},
	{name: "maxpool", op: "MaxPool", at: attrs(aInts("kernel_shape", 3, 3), aInts("strides", 2, 2), aInts("pads", 1, 1, 1, 1)), in: []tin{f32In(1, 2, 7, 7)}, outs: [][]int64{{1, 2, 4, 4}}},
	// reductions, normalization
	{name: "reducemean", op: "ReduceMean", at: attrs(aInts("axes", -1)), in: []tin{f32In(2, 3, 4)}, outs: [][]int64{{2, 3, 1}}},
	{name: "reducesum-input", op: "ReduceSum", at: attrs(aInt("keepdims", 0)), in: []tin{f32In(2, 3, 4), i64Const(1)}, outs: [][]int64{{2, 4}}},
	{name: "reducemax", op: "ReduceMax", at: attrs(aInts("axes", 0, 2)), in: []tin{f32In(2, 3, 4)}, outs: [][]int64{{1, 3, 1}}},
	{name: "argmax", op: "ArgMax", at: attrs(aInt("axis", 1), aInt("keepdims", 0)), in: []tin{f32In(2, 5)}, outs: [][]int64{{2}}, elems: []infer.DType{i64}},
	{name: "softmax", op: "Softmax", in: []tin{f32In(2, 3, 5)}, outs: [][]int64{{2, 3, 5}}},
	{name: "layernorm", op: "LayerNormalization", at: attrs(aFloat("epsilon", 1e-5)), in: []tin{f32In(2, 3, 8), f32Const(s(8)), f32Const(s(8))}, outs: [][]int64{{2, 3, 8}}, tol: 1e-4},
	{name: "instancenorm", op: "InstanceNormalization", in: []tin{f32In(2, 3, 4, 5), f32Const(s(3)), f32Const(s(3))}, outs: [][]int64{{2, 3, 4, 5}}, tol: 1e-4},
	{name: "topk", op: "TopK", in: []tin{f32In(2, 7), i64Const(3)}, outs: [][]int64{{2, 3}, {2, 3}}, elems: []infer.DType{f, i64}},
	// resize
	{name: "resize-nearest-2x", op: "Resize", at: attrs(aStr("mode", "nearest")), in: []tin{f32In(1, 2, 3, 4), noIn(), f32Const(s(4), 1, 1, 2, 2)}, outs: [][]int64{{1, 2, 6, 8}}},
	{name: "resize-nearest-asym-floor", op: "Resize", at: attrs(aStr("mode", "nearest"), aStr("coordinate_transformation_mode", "asymmetric"), aStr("nearest_mode", "floor")), in: []tin{f32In(1, 1, 5, 5), noIn(), noIn(), i64Const(1, 1, 3, 7)}, outs: [][]int64{{1, 1, 3, 7}}},
	{name: "resize-linear-half-pixel", op: "Resize", at: attrs(aStr("mode", "linear")), in: []tin{f32In(1, 2, 4, 4), noIn(), noIn(), i64Const(1, 2, 7, 9)}, outs: [][]int64{{1, 2, 7, 9}}},
	{name: "resize-linear-align-corners", op: "Resize", at: attrs(aStr("mode", "linear"), aStr("coordinate_transformation_mode", "align_corners")), in: []tin{f32In(1, 1, 4, 6), noIn(), noIn(), i64Const(1, 1, 8, 3)}, outs: [][]int64{{1, 1, 8, 3}}},
	{name: "resize-linear-asymmetric", op: "Resize", at: attrs(aStr("mode", "linear"), aStr("coordinate_transformation_mode", "asymmetric")), in: []tin{f32In(1, 1, 4, 4), noIn(), f32Const(s(4), 1, 1, 2, 1.5)}, outs: [][]int64{{1, 1, 8, 6}}},
	// fp16 in and out
	{name: "fp16-add", op: "Add", in: []tin{f16In(2, 3), f16In(2, 3)}, outs: [][]int64{{2, 3}}, elems: []infer.DType{infer.Float16}, tol: 2e-3},
}

// TestOpsAgainstORT runs every case on ONNX Runtime and on the pure-Go backend.
func TestOpsAgainstORT(t *testing.T) {
	ort, gob := ortBackend(t), goBackend(t)
	for _, c := range opCases {
		t.Run(c.name, func(t *testing.T) {
			elems := c.elems
			if elems == nil {
				for range c.outs {
					elems = append(elems, f)
				}
			}
			opset := c.opset
			if opset == 0 {
				opset = 17
			}
			path, feeds := writeOpModel(t, c.op, opset, c.at, c.in, elems, c.outs)
			want := runModel(t, ort, path, feeds, c.outs)
			got := runModel(t, gob, path, feeds, c.outs)
			tol := c.tol
			if tol == 0 {
				tol = 1e-5
			}
			for i := range want {
				if d := maxDiff(t, want[i], got[i]); d > tol {
					t.Errorf("output %d: max |ort − go| = %.3g > %.g\nort %v\ngo  %v", i, d, tol, want[i], got[i])
				}
			}
		})
	}
}
