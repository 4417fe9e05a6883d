package xla

import (
	"math"

	"github.com/gomlx/gomlx/pkg/core/dtypes"
	. "github.com/gomlx/gomlx/pkg/core/graph" //nolint:revive // GoMLX graph code
)

// reduceAxes reads ONNX reduce axes (attribute, or input from opset 18 / ReduceSum 13);
// none means all unless noop_with_empty_axes.
func reduceAxes(a attrs, in []*value, rank int) (axes []int, noop bool) {
	axes = axesOf(a, in, "reduce axes")
	if len(axes) == 0 {
		if a.int("noop_with_empty_axes", 0) == 1 {
			return nil, true
		}
		return seq(0, rank), false
	}
	for i := range axes {
		axes[i] = normAxis(axes[i], rank)
	}
	return axes, false
}

func reduce(f func(x *Node, axes ...int) *Node, kind string) opFunc {
	return func(c *lowerCtx, a attrs, in []*value) []*value {
		x := c.n(in[0])
		axes, noop := reduceAxes(a, in, x.Rank())
		if noop {
			return []*value{nodeOf(x)}
		}
		var y *Node
		if kind == "mean" && x.DType() == dtypes.Float16 {
			y = ConvertDType(f(ConvertDType(x, dtypes.Float32), axes...), x.DType())
		} else {
			y = f(x, axes...)
		}
		if a.int("keepdims", 1) == 1 {
			y = Reshape(y, keptDims(x.Shape().Dimensions, axes)...)
		}
		return []*value{nodeOf(y)}
	}
}

func keptDims(dims, axes []int) []int {
	out := append([]int{}, dims...)
	for _, ax := range axes {
		out[ax] = 1
	}
	return out
}

func reduceL2(x *Node, axes ...int) *Node { return Sqrt(ReduceSum(Mul(x, x), axes...)) }

func reduceSumSquare(x *Node, axes ...int) *Node { return ReduceSum(Mul(x, x), axes...) }

// opArgMax / opArgMin: int64 indices, first occurrence.
func argReduce(isMax bool) opFunc {
	return func(c *lowerCtx, a attrs, in []*value) []*value {
		if a.int("select_last_index", 0) != 0 {
			fail("select_last_index 1 is not supported")
		}
		x := c.n(in[0])
		axis := normAxis(a.int("axis", 0), x.Rank())
		var y *Node
		if isMax {
			y = ArgMax(x, axis, dtypes.Int64)
		} else {
			y = ArgMin(x, axis, dtypes.Int64)
		}
		if a.int("keepdims", 1) == 1 {
			y = Reshape(y, keptDims(x.Shape().Dimensions, []int{axis})...)
		}
		return []*value{nodeOf(y)}
	}
}

// upcast computes half-precision normalizations in float32, as ORT's kernels do.
func upcast(x *Node) (*Node, dtypes.DType) {
	if x.DType() == dtypes.Float16 || x.DType() == dtypes.BFloat16 {
		return ConvertDType(x, dtypes.Float32), x.DType()
	}
	return x, x.DType()
}

// opSoftmax: one axis from opset 13; before that, the flattened trailing axes.
func softmaxOp(logOut bool) opFunc {
	return func(c *lowerCtx, a attrs, in []*value) []*value {
		x, dt := upcast(c.n(in[0]))
		def := -1
		if c.opset < 13 {
			def = 1
		}
		axis := normAxis(a.int("axis", def), x.Rank())
		axes := []int{axis}
		if c.opset < 13 {
			axes = seq(axis, x.Rank()-axis)
		}
		m := ReduceMax(x, axes...)
		kd := keptDims(x.Shape().Dimensions, axes)
		sh := Sub(x, BroadcastToDims(Reshape(m, kd...), x.Shape().Dimensions...))
		e := Exp(sh)
		s := BroadcastToDims(Reshape(ReduceSum(e, axes...), kd...), x.Shape().Dimensions...)
		var y *Node
		if logOut {
			y = Sub(sh, Log(s))
		} else {
			y = Div(e, s)
		}
		return []*value{nodeOf(ConvertDType(y, dt))}
	}
}

// meanVar returns the mean and biased variance of x over axes, kept as size-1 dims
// and broadcast back to x's shape.
func meanVar(x *Node, axes []int) (mean, variance *Node) {
	dims := x.Shape().Dimensions
	kd := keptDims(dims, axes)
	mean = BroadcastToDims(Reshape(ReduceMean(x, axes...), kd...), dims...)
	d := Sub(x, mean)
	variance = BroadcastToDims(Reshape(ReduceMean(Mul(d, d), axes...), kd...), dims...)
	return mean, variance
}

// opLayerNorm is LayerNormalization (opset 17): normalize over axis… last.
func opLayerNorm(c *lowerCtx, a attrs, in []*value) []*value {
	x, dt := upcast(c.n(in[0]))
	axis := normAxis(a.int("axis", -1), x.Rank())
	axes := seq(axis, x.Rank()-axis)
	mean, variance := meanVar(x, axes)
	inv := Rsqrt(Add(variance, scalarLike(variance, a.float("epsilon", 1e-5))))
	y := Mul(Sub(x, mean), inv)
	y = Mul(y, broadcast(y, ConvertDType(c.n(in[1]), dtypes.Float32))[1])
	if len(in) > 2 && in[2] != nil {
		y = Add(y, broadcast(y, ConvertDType(c.n(in[2]), dtypes.Float32))[1])
	}
	out := []*value{nodeOf(ConvertDType(y, dt))}
	kd := keptDims(x.Shape().Dimensions, axes)
	out = append(out, nodeOf(Reshape(ReduceMean(x, axes...), kd...)))
	out = append(out, nodeOf(Slice(inv, sliceKeep(kd)...)))
	return out
}

// sliceKeep slices the first element along every size-1 axis of kd.
func sliceKeep(kd []int) []SliceAxisSpec {
	s := make([]SliceAxisSpec, len(kd))
	for i, d := range kd {
		if d == 1 {
			s[i] = AxisRange(0, 1)
		} else {
			s[i] = AxisRange()
		}
	}
	return s
}

// opInstanceNorm normalizes each (n, c) over the spatial axes.
func opInstanceNorm(c *lowerCtx, a attrs, in []*value) []*value {
	x, dt := upcast(c.n(in[0]))
	axes := seq(2, x.Rank()-2)
	mean, variance := meanVar(x, axes)
	y := Mul(Sub(x, mean), Rsqrt(Add(variance, scalarLike(variance, a.float("epsilon", 1e-5)))))
	cs := append([]int{1, -1}, ones(x.Rank()-2)...)
	sc := Reshape(ConvertDType(c.n(in[1]), dtypes.Float32), cs...)
	b := Reshape(ConvertDType(c.n(in[2]), dtypes.Float32), cs...)
	y = Add(Mul(y, BroadcastToDims(sc, x.Shape().Dimensions...)), BroadcastToDims(b, x.Shape().Dimensions...))
	return []*value{nodeOf(ConvertDType(y, dt))}
}

// opGroupNorm is GroupNormalization (opset 18/21): per-channel (21) or per-group (18) scale.
func opGroupNorm(c *lowerCtx, a attrs, in []*value) []*value {
	x, dt := upcast(c.n(in[0]))
	g := a.int("num_groups", 1)
	dims := x.Shape().Dimensions
	gd := append([]int{dims[0], g, -1}, nil...)
	xg := Reshape(x, gd...)
	mean, variance := meanVar(xg, []int{2})
	y := Reshape(Mul(Sub(xg, mean), Rsqrt(Add(variance, scalarLike(variance, a.float("epsilon", 1e-5))))), dims...)
	sc, b := ConvertDType(c.n(in[1]), dtypes.Float32), ConvertDType(c.n(in[2]), dtypes.Float32)
	if sc.Shape().Dimensions[0] == g && g != dims[1] {
		sc = Reshape(BroadcastToDims(Reshape(sc, g, 1), g, dims[1]/g), -1)
		b = Reshape(BroadcastToDims(Reshape(b, g, 1), g, dims[1]/g), -1)
	}
	cs := append([]int{1, -1}, ones(len(dims)-2)...)
	y = Add(Mul(y, BroadcastToDims(Reshape(sc, cs...), dims...)), BroadcastToDims(Reshape(b, cs...), dims...))
	return []*value{nodeOf(ConvertDType(y, dt))}
}

// opTopK selects k times the arg-extreme along the axis (k is small in the engine's
// models), masking each pick; outputs are sorted.
func opTopK(c *lowerCtx, a attrs, in []*value) []*value {
	x := c.n(in[0])
	k := hostInts(in[1], "TopK k")[0]
	axis := normAxis(a.int("axis", -1), x.Rank())
	largest := a.int("largest", 1) == 1
	dims := x.Shape().Dimensions
	work := x
	if !largest {
		work = Neg(x)
	}
	kd := keptDims(dims, []int{axis})
	iota := Iota(c.g, shapeMake(dtypes.Int64, dims...), axis)
	inf := Infinity(c.g, x.DType(), -1)
	vals, idxs := make([]*Node, k), make([]*Node, k)
	for i := range k {
		idx := Reshape(ArgMax(work, axis, dtypes.Int64), kd...)
		hit := Equal(iota, BroadcastToDims(idx, dims...))
		v := Reshape(ReduceMax(work, axis), kd...)
		if !largest {
			v = Neg(v)
		}
		vals[i], idxs[i] = v, idx
		work = Where(hit, BroadcastToDims(inf, dims...), work)
	}
	if k == 1 {
		return []*value{nodeOf(vals[0]), nodeOf(idxs[0])}
	}
	return []*value{nodeOf(Concatenate(vals, axis)), nodeOf(Concatenate(idxs, axis))}
}

// opErfLike helpers used by the op table.
func sign(x *Node) *Node { return Sign(x) }

var _ = math.Pi
