package tfjs

import (
	"fmt"
	"math"
)

// opStridedSlice maps TF StridedSlice (begin/end/ellipsis/new_axis/shrink_axis masks) to
// Slice → Squeeze (shrunk dims) → Unsqueeze (new axes); begin, end and strides must be constant.
func opStridedSlice(c *converter, n *nodeDef, in []*value) ([]*value, error) {
	if err := needInputs(in, 4, 4); err != nil {
		return nil, err
	}
	x := in[0]
	begin, err := constInts(in[1], "begin")
	if err != nil {
		return nil, err
	}
	end, err := constInts(in[2], "end")
	if err != nil {
		return nil, err
	}
	strides, err := constInts(in[3], "strides")
	if err != nil {
		return nil, err
	}
	if len(end) != len(begin) || len(strides) != len(begin) || len(begin) > 64 {
		return nil, fmt.Errorf("%w: begin/end/strides lengths %d/%d/%d", ErrBadModel, len(begin), len(end), len(strides))
	}
	r := x.rank()
	if r < 0 {
		return nil, fmt.Errorf("%w: input of unknown rank", ErrUnsupportedOp)
	}
	beginMask, endMask := n.attrInt("begin_mask", 0), n.attrInt("end_mask", 0)
	ellipsis, newAxis, shrink := n.attrInt("ellipsis_mask", 0), n.attrInt("new_axis_mask", 0), n.attrInt("shrink_axis_mask", 0)
	var starts, ends, axes, steps, shrinkAxes, newPos, shape []int64
	inDim, outPos, seenEllipsis := 0, 0, false
	keep := func(d int) { shape = append(shape, x.shape[d]) }
	for i := range begin {
		bit := int64(1) << i
		switch {
		case ellipsis&bit != 0:
			if seenEllipsis {
				return nil, fmt.Errorf("%w: more than one ellipsis", ErrBadModel)
			}
			seenEllipsis = true
			rest := 0
			for j := i + 1; j < len(begin); j++ {
				if newAxis&(int64(1)<<j) == 0 {
					rest++
				}
			}
			full := r - inDim - rest
			if full < 0 {
				return nil, fmt.Errorf("%w: slice spec longer than rank %d", ErrBadModel, r)
			}
			for range full {
				keep(inDim)
				inDim++
				outPos++
			}
			continue
		case newAxis&bit != 0:
			newPos = append(newPos, int64(outPos))
			shape = append(shape, 1)
			outPos++
			continue
		}
		if inDim >= r {
			return nil, fmt.Errorf("%w: slice spec longer than rank %d", ErrBadModel, r)
		}
		b, e, s := begin[i], end[i], strides[i]
		if s == 0 {
			return nil, fmt.Errorf("%w: stride 0", ErrBadModel)
		}
		if shrink&bit != 0 {
			e, s = b+1, 1
			if b == -1 {
				e = math.MaxInt64
			}
			shrinkAxes = append(shrinkAxes, int64(inDim))
		} else {
			if beginMask&bit != 0 {
				b = 0
				if s < 0 {
					b = math.MaxInt64
				}
			}
			if endMask&bit != 0 {
				e = math.MaxInt64
				if s < 0 {
					e = math.MinInt64
				}
			}
			shape = append(shape, sliceLen(x.shape[inDim], b, e, s))
			outPos++
		}
		if !(b == 0 && e == math.MaxInt64 && s == 1) {
			starts, ends, axes, steps = append(starts, b), append(ends, e), append(axes, int64(inDim)), append(steps, s)
		}
		inDim++
	}
	for ; inDim < r; inDim++ {
		keep(inDim)
	}
	if shape == nil {
		shape = []int64{}
	}
	cur := c.ref(x)
	steps2 := []struct {
		op   string
		args func() []string
		skip bool
	}{
		{"Slice", func() []string {
			return []string{cur, c.b.ints64(n.Name+"/starts", starts...), c.b.ints64(n.Name+"/ends", ends...),
				c.b.ints64(n.Name+"/axes", axes...), c.b.ints64(n.Name+"/steps", steps...)}
		}, len(axes) == 0},
		{"Squeeze", func() []string { return []string{cur, c.b.ints64(n.Name+"/squeeze", shrinkAxes...)} }, len(shrinkAxes) == 0},
		{"Unsqueeze", func() []string { return []string{cur, c.b.ints64(n.Name+"/unsqueeze", newPos...)} }, len(newPos) == 0},
	}
	last := -1
	for i, st := range steps2 {
		if !st.skip {
			last = i
		}
	}
	out := c.out(n, 0)
	if last < 0 {
		c.b.add("Identity", []string{cur}, []string{out})
	}
	for i, st := range steps2 {
		if st.skip {
			continue
		}
		o := c.tmp(n, st.op)
		if i == last {
			o = out
		}
		c.b.add(st.op, st.args(), []string{o})
		cur = o
	}
	return []*value{{name: out, dtype: x.dtype, shape: shape}}, nil
}

// sliceLen is the ONNX Slice output length for one axis (-1 when dim is unknown).
func sliceLen(dim, start, end, step int64) int64 {
	if dim < 0 {
		return -1
	}
	if start < 0 {
		start += dim
	}
	if end < 0 {
		end += dim
	}
	if step > 0 {
		start, end = min(max(start, 0), dim), min(max(end, 0), dim)
		if end <= start {
			return 0
		}
		return (end - start + step - 1) / step
	}
	start, end = min(max(start, -1), dim-1), min(max(end, -1), dim-1)
	if start <= end {
		return 0
	}
	return (start - end - step - 1) / -step
}

// opSplit maps Split (split_dim first) to an equal ONNX Split.
func opSplit(c *converter, n *nodeDef, in []*value) ([]*value, error) {
	if err := needInputs(in, 2, 2); err != nil {
		return nil, err
	}
	ax, err := constInt(in[0], "split_dim")
	if err != nil {
		return nil, err
	}
	x := in[1]
	axis, err := normAxis(ax, x.rank())
	if err != nil {
		return nil, err
	}
	num := n.attrInt("num_split", 0)
	if num < 1 || num > 1<<16 {
		return nil, fmt.Errorf("%w: num_split %d", ErrBadModel, num)
	}
	var sizes []int64
	if x.rank() >= 0 && x.shape[axis] >= 0 {
		if x.shape[axis]%num != 0 {
			return nil, fmt.Errorf("%w: dimension %d does not split into %d", ErrBadModel, x.shape[axis], num)
		}
		for range num {
			sizes = append(sizes, x.shape[axis]/num)
		}
	}
	return c.split(n, x, axis, int(num), sizes, "")
}

// opSplitV maps SplitV (value, size_splits, axis).
func opSplitV(c *converter, n *nodeDef, in []*value) ([]*value, error) {
	if err := needInputs(in, 3, 3); err != nil {
		return nil, err
	}
	x := in[0]
	sizes, err := constInts(in[1], "size_splits")
	if err != nil {
		return nil, err
	}
	ax, err := constInt(in[2], "axis")
	if err != nil {
		return nil, err
	}
	axis, err := normAxis(ax, x.rank())
	if err != nil {
		return nil, err
	}
	if len(sizes) == 0 || len(sizes) > 1<<16 {
		return nil, fmt.Errorf("%w: %d splits", ErrBadModel, len(sizes))
	}
	hole, sum := -1, int64(0)
	for i, s := range sizes {
		if s == -1 {
			hole = i
		} else {
			sum += s
		}
	}
	if hole >= 0 && (x.rank() < 0 || x.shape[axis] < 0) {
		// The -1 piece is whatever is left of a dimension known only at run time.
		shp, dim, rest, split := c.tmp(n, "shape"), c.tmp(n, "dim"), c.tmp(n, "rest"), c.tmp(n, "split")
		c.b.add("Shape", []string{c.ref(x)}, []string{shp})
		c.b.add("Slice", []string{shp, c.b.ints64(n.Name+"/s", axis), c.b.ints64(n.Name+"/e", axis+1)}, []string{dim})
		c.b.add("Sub", []string{dim, c.b.ints64(n.Name+"/known", sum)}, []string{rest})
		parts := []string{}
		if hole > 0 {
			parts = append(parts, c.b.ints64(n.Name+"/before", sizes[:hole]...))
		}
		parts = append(parts, rest)
		if hole < len(sizes)-1 {
			parts = append(parts, c.b.ints64(n.Name+"/after", sizes[hole+1:]...))
		}
		c.b.add("Concat", parts, []string{split}, attrInt("axis", 0))
		known := append([]int64{}, sizes...)
		known[hole] = -1
		return c.split(n, x, axis, len(sizes), known, split)
	}
	if hole >= 0 {
		sizes = append([]int64{}, sizes...)
		sizes[hole] = x.shape[axis] - sum
	}
	return c.split(n, x, axis, len(sizes), sizes, c.b.ints64(n.Name+"/split", sizes...))
}

// split emits an ONNX Split with num outputs named after node n.
func (c *converter) split(n *nodeDef, x *value, axis int64, num int, sizes []int64, splitInput string) ([]*value, error) {
	outs := make([]*value, num)
	names := make([]string, num)
	for i := range outs {
		names[i] = c.out(n, i)
		var shape []int64
		if x.shape != nil {
			shape = append([]int64{}, x.shape...)
			shape[axis] = -1
			if sizes != nil {
				shape[axis] = sizes[i]
			}
		}
		outs[i] = &value{name: names[i], dtype: x.dtype, shape: shape}
	}
	ins := []string{c.ref(x)}
	if splitInput != "" {
		ins = append(ins, splitInput)
	}
	c.b.add("Split", ins, names, attrInt("axis", axis))
	return outs, nil
}

// opTile maps Tile.
func opTile(c *converter, n *nodeDef, in []*value) ([]*value, error) {
	if err := needInputs(in, 2, 2); err != nil {
		return nil, err
	}
	x := in[0]
	var shape []int64
	if m, err := constInts(in[1], "multiples"); err == nil && x.rank() == len(m) {
		shape = make([]int64, len(m))
		for i := range m {
			shape[i] = -1
			if x.shape[i] >= 0 {
				shape[i] = x.shape[i] * m[i]
			}
		}
	} else if x.shape != nil {
		shape = make([]int64, len(x.shape))
		for i := range shape {
			shape[i] = -1
		}
	}
	out := c.out(n, 0)
	c.b.add("Tile", []string{c.ref(x), c.int64Input(n, in[1], "multiples")}, []string{out})
	return []*value{{name: out, dtype: x.dtype, shape: shape}}, nil
}

// opFill maps Fill(dims, value) to Expand(value, dims).
func opFill(c *converter, n *nodeDef, in []*value) ([]*value, error) {
	if err := needInputs(in, 2, 2); err != nil {
		return nil, err
	}
	var shape []int64
	if d, err := constInts(in[0], "dims"); err == nil {
		shape = d
	} else if in[0].rank() == 1 && in[0].shape[0] >= 0 {
		shape = make([]int64, in[0].shape[0])
		for i := range shape {
			shape[i] = -1
		}
	}
	out := c.out(n, 0)
	c.b.add("Expand", []string{c.ref(in[1]), c.int64Input(n, in[0], "dims")}, []string{out})
	return []*value{{name: out, dtype: in[1].dtype, shape: shape}}, nil
}

// opRange maps Range(start, limit, delta) (scalars of one dtype in TF and ONNX).
func opRange(c *converter, n *nodeDef, in []*value) ([]*value, error) {
	if err := needInputs(in, 3, 3); err != nil {
		return nil, err
	}
	out := c.out(n, 0)
	c.b.add("Range", []string{c.ref(in[0]), c.ref(in[1]), c.ref(in[2])}, []string{out})
	return []*value{{name: out, dtype: in[0].dtype, shape: []int64{-1}}}, nil
}
