package xla

import (
	"math"

	. "github.com/gomlx/gomlx/pkg/core/graph" //nolint:revive // GoMLX graph code

	"github.com/vivid-ml/vivid-ml-engine/onnx/onnxpb"
)

// opResize is ONNX Resize (opset 11–19) for nearest and linear modes, resized one
// axis at a time with source indices and weights computed at compile time (exact ONNX
// coordinate semantics); integer nearest upscales become broadcasts.
func opResize(c *lowerCtx, a attrs, in []*value) []*value {
	x := c.n(in[0])
	dims := x.Shape().Dimensions
	r := len(dims)
	axes := a.ints("axes")
	if axes == nil {
		axes = seq(0, r)
	}
	for i := range axes {
		axes[i] = normAxis(axes[i], r)
	}
	var scales []float64
	var sizes []int
	if len(in) > 3 && in[3] != nil && len(host(in[3], "Resize sizes").i64) > 0 {
		sizes = hostInts(in[3], "Resize sizes")
	} else if len(in) > 2 && in[2] != nil {
		h := host(in[2], "Resize scales")
		for _, s := range h.f32 {
			scales = append(scales, float64(s))
		}
	} else if len(in) == 2 { // opset 10: X, scales
		for _, s := range host(in[1], "Resize scales").f32 {
			scales = append(scales, float64(s))
		}
	}
	if sizes == nil && len(scales) != len(axes) {
		fail("Resize needs scales or sizes for %d axes", len(axes))
	}
	if p := a.str("keep_aspect_ratio_policy", "stretch"); p != "stretch" {
		fail("Resize keep_aspect_ratio_policy %q is not supported", p)
	}
	if a.int("antialias", 0) != 0 {
		fail("Resize antialias is not supported")
	}
	mode := a.str("mode", "nearest")
	if mode != "nearest" && mode != "linear" {
		fail("Resize mode %q is not supported", mode)
	}
	ctm := a.str("coordinate_transformation_mode", "half_pixel")
	nm := a.str("nearest_mode", "round_prefer_floor")
	for i, ax := range axes {
		inD := dims[ax]
		var outD int
		var scale float64
		if sizes != nil {
			outD = sizes[i]
			scale = float64(outD) / float64(inD)
		} else {
			scale = scales[i]
			outD = int(math.Floor(float64(inD) * scale))
		}
		if outD == inD && scale == 1 {
			continue
		}
		src := make([]float64, outD)
		for o := range src {
			src[o] = sourceCoord(ctm, float64(o), scale, inD, outD)
		}
		if mode == "nearest" {
			idx := make([]int64, outD)
			for o, s := range src {
				idx[o] = int64(min(max(nearest(nm, s), 0), inD-1))
			}
			x = nearestAxis(c, x, ax, idx)
			continue
		}
		i0, i1 := make([]int64, outD), make([]int64, outD)
		w0, w1 := make([]float32, outD), make([]float32, outD)
		for o, s := range src {
			s = min(max(s, 0), float64(inD-1))
			f := math.Floor(s)
			i0[o], i1[o] = int64(f), int64(min(int(f)+1, inD-1))
			w1[o] = float32(s - f)
			w0[o] = 1 - w1[o]
		}
		x = linearAxis(c, x, ax, i0, i1, w0, w1)
	}
	return []*value{nodeOf(x)}
}

// sourceCoord maps an output coordinate to the input (ONNX Resize's formulas).
func sourceCoord(mode string, o, scale float64, inD, outD int) float64 {
	switch mode {
	case "half_pixel":
		return (o+0.5)/scale - 0.5
	case "pytorch_half_pixel":
		if outD > 1 {
			return (o+0.5)/scale - 0.5
		}
		return 0
	case "align_corners":
		if outD == 1 {
			return 0
		}
		return o * float64(inD-1) / float64(outD-1)
	case "asymmetric":
		return o / scale
	case "tf_half_pixel_for_nn":
		return (o + 0.5) / scale
	}
	fail("Resize coordinate_transformation_mode %q is not supported", mode)
	return 0
}

func nearest(mode string, s float64) int {
	f := math.Floor(s)
	switch mode {
	case "round_prefer_floor":
		if s-f == 0.5 {
			return int(f)
		}
		return int(math.Round(s))
	case "round_prefer_ceil":
		if s-f == 0.5 {
			return int(f) + 1
		}
		return int(math.Round(s))
	case "floor":
		return int(f)
	case "ceil":
		return int(math.Ceil(s))
	}
	fail("Resize nearest_mode %q is not supported", mode)
	return 0
}

// nearestAxis gathers idx along ax; idx[o] = o/k (an integer upscale) is a broadcast.
func nearestAxis(c *lowerCtx, x *Node, ax int, idx []int64) *Node {
	dims := x.Shape().Dimensions
	if k := len(idx) / dims[ax]; k > 1 && len(idx) == k*dims[ax] {
		rep := true
		for o, v := range idx {
			rep = rep && v == int64(o/k)
		}
		if rep {
			ex := append(append(append([]int{}, dims[:ax+1]...), 1), dims[ax+1:]...)
			bd := append([]int{}, ex...)
			bd[ax+1] = k
			out := append([]int{}, dims...)
			out[ax] *= k
			return Reshape(BroadcastToDims(Reshape(x, ex...), bd...), out...)
		}
	}
	return gatherAxis(c, x, ax, idx)
}

func gatherAxis(c *lowerCtx, x *Node, ax int, idx []int64) *Node {
	h := hostInt64([]int{len(idx)}, idx)
	return opGather(c, attrs{"axis": intAttr("axis", ax)}, []*value{nodeOf(x), {h: h}})[0].n
}

func linearAxis(c *lowerCtx, x *Node, ax int, i0, i1 []int64, w0, w1 []float32) *Node {
	a, b := gatherAxis(c, x, ax, i0), gatherAxis(c, x, ax, i1)
	wd := ones(x.Rank())
	wd[ax] = len(w0)
	wa := ConvertDType(c.constant(&hostT{dt: onnxpb.TensorProto_FLOAT, dims: wd, f32: w0}), x.DType())
	wb := ConvertDType(c.constant(&hostT{dt: onnxpb.TensorProto_FLOAT, dims: wd, f32: w1}), x.DType())
	out := a.Shape().Dimensions
	return Add(Mul(a, BroadcastToDims(wa, out...)), Mul(b, BroadcastToDims(wb, out...)))
}

func intAttr(name string, v int) *onnxpb.AttributeProto {
	i := int64(v)
	t := onnxpb.AttributeProto_INT
	return &onnxpb.AttributeProto{Name: &name, I: &i, Type: &t}
}
