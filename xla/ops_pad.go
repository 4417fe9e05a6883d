package xla

import (
	"github.com/gomlx/gomlx/backends"
	. "github.com/gomlx/gomlx/pkg/core/graph" //nolint:revive // GoMLX graph code
)

// opPad supports constant, edge and reflect modes with compile-time pads.
func opPad(c *lowerCtx, a attrs, in []*value) []*value {
	x := c.n(in[0])
	r := x.Rank()
	var pads []int
	if len(in) > 1 && in[1] != nil {
		pads = hostInts(in[1], "Pad pads")
	} else {
		pads = a.ints("pads")
	}
	axes := make([]int, r)
	for i := range axes {
		axes[i] = i
	}
	if len(in) > 3 && in[3] != nil {
		axes = hostInts(in[3], "Pad axes")
		for i := range axes {
			axes[i] = normAxis(axes[i], r)
		}
	}
	fill := scalarLike(x, a.float("value", 0))
	if len(in) > 2 && in[2] != nil {
		fill = Reshape(ConvertDType(c.n(in[2]), x.DType()))
	}
	mode := a.str("mode", "constant")
	n := len(axes)
	for i, ax := range axes {
		x = padAxis(x, ax, pads[i], pads[i+n], mode, fill)
	}
	return []*value{nodeOf(x)}
}

// padAxis pads one axis by concatenation (negative pads crop), which every backend has.
func padAxis(x *Node, ax, before, after int, mode string, fill *Node) *Node {
	if before < 0 {
		x = SliceAxis(x, ax, AxisRangeToEnd(-before))
		before = 0
	}
	if after < 0 {
		x = SliceAxis(x, ax, AxisRange(0, x.Shape().Dimensions[ax]+after))
		after = 0
	}
	if before == 0 && after == 0 {
		return x
	}
	d := x.Shape().Dimensions[ax]
	block := func(n int, left bool) *Node {
		switch mode {
		case "edge":
			e := SliceAxis(x, ax, AxisElem(0))
			if !left {
				e = SliceAxis(x, ax, AxisElem(d-1))
			}
			parts := make([]*Node, n)
			for i := range parts {
				parts[i] = e
			}
			return Concatenate(parts, ax)
		case "reflect":
			parts := make([]*Node, n)
			for i := range parts {
				if left {
					parts[i] = SliceAxis(x, ax, AxisElem(n-i))
				} else {
					parts[i] = SliceAxis(x, ax, AxisElem(d-2-i))
				}
			}
			return Concatenate(parts, ax)
		case "constant":
			dims := append([]int{}, x.Shape().Dimensions...)
			dims[ax] = n
			return BroadcastToDims(fill, dims...)
		}
		fail("Pad mode %q is not supported", mode)
		return nil
	}
	parts := []*Node{}
	if before > 0 {
		parts = append(parts, block(before, true))
	}
	parts = append(parts, x)
	if after > 0 {
		parts = append(parts, block(after, false))
	}
	return Concatenate(parts, ax)
}

// reverse flips axes: the backend's Reverse where it has one, else a gather.
func reverse(x *Node, axes ...int) *Node {
	if x.Graph().Backend().Capabilities().Operations[backends.OpTypeReverse] {
		return Reverse(x, axes...)
	}
	for _, ax := range axes {
		d := x.Shape().Dimensions[ax]
		idx := make([]int64, d)
		for i := range idx {
			idx[i] = int64(d - 1 - i)
		}
		sizes := append([]int{}, x.Shape().Dimensions...)
		sizes[ax] = 1
		ix := Reshape(Const(x.Graph(), idx), d, 1)
		y := BackendGather(x, ix, 1, seq(1, x.Rank()-1), []int{ax}, []int{ax}, sizes, false)
		// the gathered axis comes first: move it back
		perm := make([]int, 0, x.Rank())
		for i := 1; i <= ax; i++ {
			perm = append(perm, i)
		}
		perm = append(perm, 0)
		for i := ax + 1; i < x.Rank(); i++ {
			perm = append(perm, i)
		}
		x = TransposeAllAxes(y, perm...)
	}
	return x
}
