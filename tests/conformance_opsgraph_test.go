package tests

import (
	"math/rand/v2"
)

// opsGraph is the op-coverage model for TestConformanceTFJSOps: input int32 [1,h,w,3]; every
// "out_*" node is a graph output compared between TensorFlow.js and ONNX Runtime.
func opsGraph(h, w int) *tfjsGraph {
	r := rand.New(rand.NewPCG(42, 42))
	g := &tfjsGraph{}
	f32, i32 := aT("DT_FLOAT"), aT("DT_INT32")
	x := g.node("input", "Placeholder", nil, map[string]any{"dtype": i32,
		"shape": map[string]any{"shape": map[string]any{"dim": []any{
			map[string]any{"size": "1"}, map[string]any{"size": "-1"}, map[string]any{"size": "-1"}, map[string]any{"size": "3"}}}}})
	xf := g.node("xf", "Cast", []string{x}, map[string]any{"SrcT": i32, "DstT": f32, "Truncate": aB(false)})
	xs := g.node("xs", "Mul", []string{xf, g.constF("inv255", []int{}, []float32{1.0 / 255})}, nil)
	out := func(name, op string, in []string, attr map[string]any) string {
		return g.node("out_"+name, op, in, attr)
	}
	conv := func(name, op string, k, cin, cout, stride int, pad string, explicit []int, fused ...string) {
		fshape := []int{k, k, cin, cout}
		n := k * k * cin * cout
		filt := g.constF16(name+"/filter", fshape, randFloats(r, n, 0.5))
		ins := []string{xs, filt}
		bc := cout
		if op == "FusedDepthwiseConv2dNative" {
			bc = cin * cout
		}
		if len(fused) > 0 {
			ins = append(ins, g.constF(name+"/bias", []int{bc}, randFloats(r, bc, 0.3)))
		}
		attr := map[string]any{"strides": aLI(1, stride, stride, 1), "padding": aS(pad), "data_format": aS("NHWC"),
			"dilations": aLI(1, 1, 1, 1), "T": f32, "explicit_paddings": aLI(explicit...)}
		if len(fused) > 0 {
			attr["fused_ops"], attr["num_args"], attr["epsilon"] = aLS(fused...), aI(1), aF(0)
		}
		out(name, op, ins, attr)
	}
	conv("conv_same_s2", "_FusedConv2D", 3, 3, 4, 2, "SAME", nil, "BiasAdd", "Relu6")
	conv("conv_same_k4_s2", "_FusedConv2D", 4, 3, 2, 2, "SAME", nil, "BiasAdd")
	conv("conv_valid_s2", "_FusedConv2D", 3, 3, 4, 2, "VALID", nil, "BiasAdd", "Relu")
	conv("conv_explicit", "_FusedConv2D", 2, 3, 3, 1, "EXPLICIT", []int{0, 0, 1, 2, 0, 1, 0, 0}, "BiasAdd")
	conv("conv_plain", "Conv2D", 1, 3, 5, 1, "SAME", nil)
	conv("dw_same_s2", "FusedDepthwiseConv2dNative", 3, 3, 2, 2, "SAME", nil, "BiasAdd", "Relu6")
	conv("dw_plain", "DepthwiseConv2dNative", 5, 3, 1, 1, "SAME", nil)
	q := make([]uint8, 3*3*3*2)
	for i := range q {
		q[i] = uint8(r.IntN(256))
	}
	out("conv_uint8_weights", "Conv2D", []string{xs, g.constU8("u8/filter", []int{3, 3, 3, 2}, q, 0.004, -0.5)},
		map[string]any{"strides": aLI(1, 1, 1, 1), "padding": aS("VALID"), "data_format": aS("NHWC"), "dilations": aLI(1, 1, 1, 1), "T": f32})

	for _, rz := range []struct {
		name       string
		h, w       int32
		align, hpc bool
	}{{"resize_half_pixel", 7, 13, false, true}, {"resize_align", 17, 5, true, false}, {"resize_asym", 4, 23, false, false}} {
		out(rz.name, "ResizeBilinear", []string{xs, g.constI(rz.name+"/size", nil, rz.h, rz.w)},
			map[string]any{"align_corners": aB(rz.align), "half_pixel_centers": aB(rz.hpc), "T": f32})
	}
	out("maxpool", "MaxPool", []string{xs}, map[string]any{"ksize": aLI(1, 3, 3, 1), "strides": aLI(1, 2, 2, 1),
		"padding": aS("SAME"), "data_format": aS("NHWC"), "T": f32})

	// Integer FloorDiv with negative dividends and divisors.
	xc := g.node("xcentered", "Sub", []string{x, g.constI("c128", []int{}, 128)}, nil)
	fd := g.node("fd7", "FloorDiv", []string{xc, g.constI("c7", []int{}, 7)}, nil)
	fdn := g.node("fdneg", "FloorDiv", []string{xc, g.constI("cm3", []int{}, -3)}, nil)
	both := g.node("fdpack", "Pack", []string{fd, fdn}, map[string]any{"axis": aI(-1), "N": aI(2)})
	out("floordiv", "Cast", []string{both}, map[string]any{"SrcT": i32, "DstT": f32})

	ss := func(name string, in string, b, e, s []int32, masks ...int) {
		m := map[string]any{"begin_mask": aI(masks[0]), "end_mask": aI(masks[1]), "ellipsis_mask": aI(masks[2]),
			"new_axis_mask": aI(masks[3]), "shrink_axis_mask": aI(masks[4]), "Index": i32, "T": f32}
		out(name, "StridedSlice", []string{in, g.constI(name+"/b", nil, b...), g.constI(name+"/e", nil, e...),
			g.constI(name+"/s", nil, s...)}, m)
	}
	ss("ss_ellipsis", xf, []int32{0, 1}, []int32{0, 3}, []int32{1, 1}, 0, 0, 1, 0, 0)                          // [..., 1:3]
	ss("ss_newaxis_shrink", xf, []int32{0, 2, 0, 0}, []int32{1, 3, 0, -1}, []int32{1, 1, 1, 1}, 0, 4, 0, 4, 3) // x[0, 2, newaxis, :-1]
	ss("ss_reverse", xf, []int32{0, -1, 0}, []int32{0, 0, 0}, []int32{1, -2, 3}, 5, 7, 0, 0, 0)                // x[:, ::-2, ::3]
	// x[:, 1:-1, 2:8, 1]. (TFJS 4.22 WASM gets x[:, 1:-1:2, 2:8, 1] wrong — a contiguous run of
	// memory instead of the strided rows — so stride 2 with shrink is left to the unit tests.)
	ss("ss_masks", xf, []int32{0, 1, 2, 1}, []int32{1, -1, 8, 2}, []int32{1, 1, 1, 1}, 1, 1, 0, 0, 8)

	n := h * w * 3
	flat := g.node("flat", "Reshape", []string{xf, g.constI("flat/shape", nil, -1)}, nil)
	ramp := make([]float32, n)
	for i := range ramp {
		ramp[i] = float32(i) / float32(4*n)
	}
	uniq := g.node("uniq", "AddV2", []string{flat, g.constF("ramp", []int{n}, ramp)}, nil)
	g.node("topk", "TopKV2", []string{uniq, g.constI("k", []int{}, 7)}, map[string]any{"sorted": aB(true), "T": f32})
	out("topk_values", "Identity", []string{"topk"}, nil)
	out("topk_indices", "Cast", []string{"topk:1"}, map[string]any{"SrcT": i32, "DstT": f32})

	gt := g.node("gt", "Greater", []string{xf, g.constF("c100", []int{}, []float32{100})}, nil)
	neg := g.node("negx", "Sub", []string{g.constF("zero", []int{}, []float32{0}), xs}, nil)
	out("select", "Select", []string{gt, xs, neg}, map[string]any{"T": f32})
	am := g.node("argmax", "ArgMax", []string{xf, g.constI("am/dim", []int{}, 2)}, map[string]any{"output_type": i32})
	out("argmax", "Cast", []string{am}, map[string]any{"SrcT": i32, "DstT": f32})
	out("gathernd", "GatherNd", []string{xf, g.constI("gnd/idx", []int{3, 3}, 0, 1, 2, 0, 8, 9, 0, 4, 0)}, nil)

	un := g.node("unpack", "Unpack", []string{xs}, map[string]any{"num": aI(3), "axis": aI(3)})
	sd := g.node("sqdiff", "SquaredDifference", []string{un, "unpack:2"}, nil)
	sq := g.node("sqrt", "Sqrt", []string{g.node("sdp1", "AddV2", []string{sd, g.constF("one", []int{}, []float32{1})}, nil)}, nil)
	dv := g.node("div", "RealDiv", []string{"unpack:1", sq}, nil)
	out("pack_unpack", "Pack", []string{dv, un, sd}, map[string]any{"axis": aI(1), "N": aI(3)})
	out("sum_keep", "Sum", []string{xs, g.constI("sum/axes", nil, 1, 2)}, map[string]any{"keep_dims": aB(true)})
	out("max_drop", "Max", []string{xs, g.constI("max/axes", []int{}, -1)}, map[string]any{"keep_dims": aB(false)})
	g.node("split", "Split", []string{g.constI("split/dim", []int{}, 3), xs}, map[string]any{"num_split": aI(3)})
	out("split1", "Identity", []string{"split:1"}, nil)
	g.node("splitv", "SplitV", []string{xs, g.constI("splitv/sizes", nil, 1, -1), g.constI("splitv/axis", []int{}, 2)},
		map[string]any{"num_split": aI(2)})
	out("splitv1", "Identity", []string{"splitv:1"}, nil)
	out("tile", "Tile", []string{"split:2", g.constI("tile/m", nil, 1, 2, 1, 3)}, nil)
	fill := g.node("fill", "Fill", []string{g.constI("fill/dims", nil, 2, 3), g.constF("fill/v", []int{}, []float32{0.25})}, nil)
	rng := g.node("range", "Range", []string{g.constI("r/start", []int{}, 5), g.constI("r/limit", []int{}, -7), g.constI("r/delta", []int{}, -3)}, nil)
	rf := g.node("rangef", "Cast", []string{rng}, map[string]any{"SrcT": i32, "DstT": f32})
	out("fill_range", "ConcatV2", []string{g.node("fillflat", "Reshape", []string{fill, g.constI("ff/shape", nil, -1)}, nil), rf,
		g.constI("fr/axis", []int{}, 0)}, map[string]any{"N": aI(2)})
	deconvAndMatMul(g, r, xs, h, w)
	return g
}

// deconvAndMatMul adds Conv2DBackpropInput (SAME with even and odd output sizes, VALID with and
// without an extra output row/column) and MatMul (plain, transpose_a, transpose_b) cases. Both
// need static shapes, so the input is first reshaped to its known h×w.
func deconvAndMatMul(g *tfjsGraph, r *rand.Rand, xs string, h, w int) {
	f32 := aT("DT_FLOAT")
	st := g.node("static", "Reshape", []string{xs, g.constI("static/shape", nil, 1, int32(h), int32(w), 3)}, nil)
	deconv := func(name string, k, cout, oh, ow int, pad string) {
		filt := g.constF16(name+"/filter", []int{k, k, cout, 3}, randFloats(r, k*k*cout*3, 0.5))
		size := g.constI(name+"/sizes", nil, 1, int32(oh), int32(ow), int32(cout))
		g.node("out_"+name, "Conv2DBackpropInput", []string{size, filt, st}, map[string]any{"strides": aLI(1, 2, 2, 1),
			"padding": aS(pad), "data_format": aS("NHWC"), "dilations": aLI(1, 1, 1, 1), "T": f32, "explicit_paddings": aLI()})
	}
	deconv("deconv_same_k3", 3, 4, 2*h, 2*w, "SAME")
	deconv("deconv_same_k4_odd", 4, 2, 2*h-1, 2*w-1, "SAME")
	deconv("deconv_valid", 3, 2, 2*h+1, 2*w+1, "VALID")
	deconv("deconv_valid_extra", 3, 2, 2*h+2, 2*w+2, "VALID")
	flat := g.node("mmflat", "Reshape", []string{st, g.constI("mmflat/shape", nil, int32(h*w), 3)}, nil)
	flatT := g.node("mmflatT", "Reshape", []string{st, g.constI("mmflatT/shape", nil, 3, int32(h*w))}, nil)
	mm := func(name, a, b string, ta, tb bool) {
		g.node("out_"+name, "MatMul", []string{a, b}, map[string]any{"transpose_a": aB(ta), "transpose_b": aB(tb), "T": f32})
	}
	mm("matmul", flat, g.constF16("mm/b", []int{3, 4}, randFloats(r, 12, 1)), false, false)
	mm("matmul_tb", flat, g.constF("mmtb/b", []int{5, 3}, randFloats(r, 15, 1)), false, true)
	mm("matmul_ta", flatT, g.constF("mmta/b", []int{3, 2}, randFloats(r, 6, 1)), true, false)
}

// opsOutputs lists the output node names of opsGraph in order.
func opsOutputs(g *tfjsGraph) []string {
	var names []string
	for _, n := range g.nodes {
		if s := n["name"].(string); len(s) > 4 && s[:4] == "out_" {
			names = append(names, s)
		}
	}
	return names
}
