package xla

import (
	"math"

	"github.com/gomlx/gomlx/pkg/core/dtypes"
	. "github.com/gomlx/gomlx/pkg/core/graph" //nolint:revive // GoMLX graph code
)

// opFunc lowers one ONNX node; inputs are nil where the node leaves an optional input empty.
type opFunc func(c *lowerCtx, a attrs, in []*value) []*value

// broadcast applies ONNX's multidirectional (numpy) broadcasting to xs.
func broadcast(xs ...*Node) []*Node {
	rank := 0
	for _, x := range xs {
		rank = max(rank, x.Rank())
	}
	dims := make([]int, rank)
	for i := range dims {
		dims[i] = 1
	}
	out := make([]*Node, len(xs))
	for i, x := range xs {
		if x.Rank() < rank {
			nd := make([]int, rank)
			for j := range nd {
				nd[j] = 1
			}
			copy(nd[rank-x.Rank():], x.Shape().Dimensions)
			x = Reshape(x, nd...)
		}
		out[i] = x
		for j, d := range x.Shape().Dimensions {
			switch {
			case d == dims[j] || d == 1:
			case dims[j] == 1:
				dims[j] = d
			default:
				fail("shapes %v cannot be broadcast together", shapesOf(xs))
			}
		}
	}
	for i, x := range out {
		if !equalInts(x.Shape().Dimensions, dims) {
			out[i] = BroadcastToDims(x, dims...)
		}
	}
	return out
}

func shapesOf(xs []*Node) [][]int {
	out := make([][]int, len(xs))
	for i, x := range xs {
		out[i] = x.Shape().Dimensions
	}
	return out
}

func equalInts(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func unary(f func(x *Node) *Node) opFunc {
	return func(c *lowerCtx, _ attrs, in []*value) []*value {
		return []*value{nodeOf(f(c.n(in[0])))}
	}
}

func binop(f func(x, y *Node) *Node) opFunc {
	return func(c *lowerCtx, _ attrs, in []*value) []*value {
		xy := broadcast(c.n(in[0]), c.n(in[1]))
		return []*value{nodeOf(f(xy[0], xy[1]))}
	}
}

// variadic folds Sum/Max/Min/Mean over any number of inputs.
func variadic(f func(x, y *Node) *Node, mean bool) opFunc {
	return func(c *lowerCtx, _ attrs, in []*value) []*value {
		nodes := make([]*Node, len(in))
		for i, v := range in {
			nodes[i] = c.n(v)
		}
		nodes = broadcast(nodes...)
		acc := nodes[0]
		for _, x := range nodes[1:] {
			acc = f(acc, x)
		}
		if mean {
			acc = Div(acc, scalarLike(acc, float64(len(nodes))))
		}
		return []*value{nodeOf(acc)}
	}
}

func opIdentity(_ *lowerCtx, _ attrs, in []*value) []*value { return []*value{in[0]} }

func relu(x *Node) *Node { return Max(x, scalarLike(x, 0)) }

func reciprocal(x *Node) *Node { return Div(scalarLike(x, 1), x) }

func softplus(x *Node) *Node { return Log1p(Exp(x)) }

func opLeakyRelu(c *lowerCtx, a attrs, in []*value) []*value {
	x := c.n(in[0])
	alpha := a.float("alpha", 0.01)
	return []*value{nodeOf(Where(GreaterOrEqual(x, scalarLike(x, 0)), x, Mul(x, scalarLike(x, alpha))))}
}

func opHardSigmoid(c *lowerCtx, a attrs, in []*value) []*value {
	x := c.n(in[0])
	y := Add(Mul(x, scalarLike(x, a.float("alpha", 0.2))), scalarLike(x, a.float("beta", 0.5)))
	return []*value{nodeOf(Min(Max(y, scalarLike(x, 0)), scalarLike(x, 1)))}
}

// opGelu is ONNX Gelu (opset 20): exact (erf) or tanh approximation.
func opGelu(c *lowerCtx, a attrs, in []*value) []*value {
	x := c.n(in[0])
	half := Mul(x, scalarLike(x, 0.5))
	if a.str("approximate", "none") == "tanh" {
		inner := Mul(scalarLike(x, math.Sqrt(2/math.Pi)), Add(x, Mul(scalarLike(x, 0.044715), Mul(x, Mul(x, x)))))
		return []*value{nodeOf(Mul(half, Add(scalarLike(x, 1), Tanh(inner))))}
	}
	return []*value{nodeOf(Mul(half, Add(scalarLike(x, 1), Erf(Mul(x, scalarLike(x, 1/math.Sqrt2))))))}
}

// opPow special-cases the exponents 2, 0.5 and 1 known at compile time.
func opPow(c *lowerCtx, _ attrs, in []*value) []*value {
	x := c.n(in[0])
	if h := in[1].h; h != nil && h.len() == 1 && h.f32 != nil {
		switch h.f32[0] {
		case 1:
			return []*value{nodeOf(x)}
		case 2:
			return []*value{nodeOf(Mul(x, x))}
		case 0.5:
			return []*value{nodeOf(Sqrt(x))}
		}
	}
	y := c.n(in[1])
	if y.DType() != x.DType() {
		y = ConvertDType(y, x.DType())
	}
	xy := broadcast(x, y)
	return []*value{nodeOf(Pow(xy[0], xy[1]))}
}

// opMod: fmod=1 is C's fmod (sign of the dividend); fmod=0 takes the divisor's sign.
func opMod(c *lowerCtx, a attrs, in []*value) []*value {
	xy := broadcast(c.n(in[0]), c.n(in[1]))
	x, y := xy[0], xy[1]
	r := Rem(x, y)
	if a.int("fmod", 0) == 1 {
		return []*value{nodeOf(r)}
	}
	zero := scalarLike(r, 0)
	fix := And(NotEqual(r, zero), LogicalXor(LessThan(r, zero), LessThan(y, zero)))
	return []*value{nodeOf(Where(fix, Add(r, y), r))}
}

func opWhere(c *lowerCtx, _ attrs, in []*value) []*value {
	n := broadcast(c.n(in[0]), c.n(in[1]), c.n(in[2]))
	return []*value{nodeOf(Where(n[0], n[1], n[2]))}
}

// opClip takes min/max from inputs (opset ≥ 11) or attributes.
func opClip(c *lowerCtx, a attrs, in []*value) []*value {
	x := c.n(in[0])
	var lo, hi *Node
	if len(in) > 1 && in[1] != nil {
		lo = c.n(in[1])
	} else if a.has("min") {
		lo = scalarLike(x, a.float("min", 0))
	}
	if len(in) > 2 && in[2] != nil {
		hi = c.n(in[2])
	} else if a.has("max") {
		hi = scalarLike(x, a.float("max", 0))
	}
	if lo != nil {
		x = Max(x, Reshape(ConvertDType(lo, x.DType())))
	}
	if hi != nil {
		x = Min(x, Reshape(ConvertDType(hi, x.DType())))
	}
	return []*value{nodeOf(x)}
}

func opCast(c *lowerCtx, a attrs, in []*value) []*value {
	to := c.dtype(onnxType(a.int("to", 1)))
	return []*value{nodeOf(castTo(c.n(in[0]), to))}
}

func opCastLike(c *lowerCtx, _ attrs, in []*value) []*value {
	return []*value{nodeOf(castTo(c.n(in[0]), c.n(in[1]).DType()))}
}

// castTo converts like ONNX Cast: to bool is x != 0; float to int truncates.
func castTo(x *Node, to dtypes.DType) *Node {
	switch {
	case x.DType() == to:
		return x
	case to == dtypes.Bool:
		return NotEqual(x, scalarLike(x, 0))
	}
	return ConvertDType(x, to)
}

func opNot(c *lowerCtx, _ attrs, in []*value) []*value {
	return []*value{nodeOf(LogicalNot(c.n(in[0])))}
}

func opIsInf(c *lowerCtx, a attrs, in []*value) []*value {
	x := c.n(in[0])
	inf := And(Not(IsFinite(x)), Not(IsNaN(x)))
	pos, neg := a.int("detect_positive", 1) == 1, a.int("detect_negative", 1) == 1
	switch {
	case pos && !neg:
		inf = And(inf, GreaterThan(x, scalarLike(x, 0)))
	case neg && !pos:
		inf = And(inf, LessThan(x, scalarLike(x, 0)))
	case !pos && !neg:
		inf = NotEqual(x, x) // all false for non-NaN; NaN is not Inf either
		inf = And(inf, Not(IsNaN(x)))
	}
	return []*value{nodeOf(inf)}
}

func opPRelu(c *lowerCtx, _ attrs, in []*value) []*value {
	xy := broadcast(c.n(in[0]), c.n(in[1]))
	x, s := xy[0], xy[1]
	return []*value{nodeOf(Where(LessThan(x, scalarLike(x, 0)), Mul(x, s), x))}
}
