package xla

import (
	"github.com/gomlx/gomlx/pkg/core/dtypes"
	. "github.com/gomlx/gomlx/pkg/core/graph" //nolint:revive // GoMLX graph code

	"github.com/vivid-ml/vivid-ml-engine/onnx/onnxpb"
)

func onnxType(i int) onnxpb.TensorProto_DataType { return onnxpb.TensorProto_DataType(i) }

// opShape is always known at compile time: shapes are static per bucket.
func opShape(_ *lowerCtx, a attrs, in []*value) []*value {
	dims := shapeOf(in[0])
	r := len(dims)
	start, end := a.int("start", 0), a.int("end", r)
	if start < 0 {
		start += r
	}
	if end < 0 {
		end += r
	}
	start, end = min(max(start, 0), r), min(max(end, 0), r)
	out := []int64{}
	for _, d := range dims[start:max(start, end)] {
		out = append(out, int64(d))
	}
	return []*value{{h: hostInt64([]int{len(out)}, out)}}
}

func opSize(_ *lowerCtx, _ attrs, in []*value) []*value {
	n := int64(1)
	for _, d := range shapeOf(in[0]) {
		n *= int64(d)
	}
	return []*value{{h: hostInt64([]int{}, []int64{n})}}
}

func opConstant(_ *lowerCtx, a attrs, _ []*value) []*value {
	switch {
	case a.has("value"):
		return []*value{{h: a.tensor("value")}}
	case a.has("value_float"):
		return []*value{{h: &hostT{dt: onnxpb.TensorProto_FLOAT, dims: []int{}, f32: []float32{float32(a.float("value_float", 0))}}}}
	case a.has("value_floats"):
		f := a.floats("value_floats")
		return []*value{{h: &hostT{dt: onnxpb.TensorProto_FLOAT, dims: []int{len(f)}, f32: append([]float32{}, f...)}}}
	case a.has("value_int"):
		return []*value{{h: hostInt64([]int{}, []int64{int64(a.int("value_int", 0))})}}
	case a.has("value_ints"):
		v := a["value_ints"].GetInts()
		return []*value{{h: hostInt64([]int{len(v)}, append([]int64{}, v...))}}
	}
	fail("Constant without a supported value attribute")
	return nil
}

// opConstantOfShape broadcasts the value attribute (default float 0) to the shape input.
func opConstantOfShape(c *lowerCtx, a attrs, in []*value) []*value {
	dims := hostInts(in[0], "ConstantOfShape shape")
	v := a.tensor("value")
	if v == nil {
		v = &hostT{dt: onnxpb.TensorProto_FLOAT, dims: []int{1}, f32: []float32{0}}
	}
	v.dims = []int{}
	return []*value{nodeOf(BroadcastToDims(c.constant(v), dims...))}
}

// opReshape: 0 copies the input dimension (unless allowzero), -1 is inferred.
func opReshape(c *lowerCtx, a attrs, in []*value) []*value {
	x := c.n(in[0])
	want := hostInts(in[1], "Reshape shape")
	return []*value{nodeOf(Reshape(x, resolveShape(x.Shape().Dimensions, want, a.int("allowzero", 0) == 1)...))}
}

func resolveShape(from, want []int, allowZero bool) []int {
	total := 1
	for _, d := range from {
		total *= d
	}
	dims := append([]int{}, want...)
	infer, known := -1, 1
	for i, d := range dims {
		switch {
		case d == 0 && !allowZero:
			if i >= len(from) {
				fail("reshape %v: 0 at axis %d, input has rank %d", want, i, len(from))
			}
			dims[i] = from[i]
			known *= dims[i]
		case d == -1:
			if infer >= 0 {
				fail("reshape %v has two -1", want)
			}
			infer = i
		default:
			known *= d
		}
	}
	if infer >= 0 {
		if known == 0 || total%known != 0 {
			fail("cannot reshape %v to %v", from, want)
		}
		dims[infer] = total / known
	}
	return dims
}

func opFlatten(c *lowerCtx, a attrs, in []*value) []*value {
	x := c.n(in[0])
	dims := x.Shape().Dimensions
	axis := a.int("axis", 1)
	if axis < 0 {
		axis += len(dims)
	}
	outer := 1
	for _, d := range dims[:axis] {
		outer *= d
	}
	return []*value{nodeOf(Reshape(x, outer, -1))}
}

func opTranspose(c *lowerCtx, a attrs, in []*value) []*value {
	x := c.n(in[0])
	perm := a.ints("perm")
	if perm == nil {
		for i := x.Rank() - 1; i >= 0; i-- {
			perm = append(perm, i)
		}
	}
	identity := true
	for i, p := range perm {
		identity = identity && p == i
	}
	if identity {
		return []*value{nodeOf(x)}
	}
	return []*value{nodeOf(TransposeAllAxes(x, perm...))}
}

// axesOf reads axes from the attribute (older opsets) or the second input.
func axesOf(a attrs, in []*value, what string) []int {
	if a.has("axes") {
		return a.ints("axes")
	}
	if len(in) > 1 && in[1] != nil {
		return hostInts(in[1], what)
	}
	return nil
}

func opUnsqueeze(c *lowerCtx, a attrs, in []*value) []*value {
	x := c.n(in[0])
	axes := axesOf(a, in, "Unsqueeze axes")
	rank := x.Rank() + len(axes)
	ins := map[int]bool{}
	for _, ax := range axes {
		ins[normAxis(ax, rank)] = true
	}
	dims := make([]int, 0, rank)
	src := x.Shape().Dimensions
	j := 0
	for i := 0; i < rank; i++ {
		if ins[i] {
			dims = append(dims, 1)
		} else {
			dims = append(dims, src[j])
			j++
		}
	}
	return []*value{nodeOf(Reshape(x, dims...))}
}

func opSqueeze(c *lowerCtx, a attrs, in []*value) []*value {
	x := c.n(in[0])
	axes := axesOf(a, in, "Squeeze axes")
	src := x.Shape().Dimensions
	drop := map[int]bool{}
	for _, ax := range axes {
		drop[normAxis(ax, len(src))] = true
	}
	dims := []int{}
	for i, d := range src {
		if (axes == nil && d == 1) || drop[i] {
			continue
		}
		dims = append(dims, d)
	}
	return []*value{nodeOf(Reshape(x, dims...))}
}

func opConcat(c *lowerCtx, a attrs, in []*value) []*value {
	var xs []*Node
	for _, v := range in {
		x := c.n(v)
		if x.Shape().Size() == 0 {
			continue // ONNX allows empty inputs
		}
		xs = append(xs, x)
	}
	if len(xs) == 0 {
		return []*value{nodeOf(c.n(in[0]))}
	}
	axis := normAxis(a.int("axis", 0), xs[0].Rank())
	if len(xs) == 1 {
		return []*value{nodeOf(xs[0])}
	}
	return []*value{nodeOf(Concatenate(xs, axis))}
}

// opSplit: sizes from the split input (opset ≥ 13), the attribute, or equal parts.
func opSplit(c *lowerCtx, a attrs, in []*value) []*value {
	x := c.n(in[0])
	axis := normAxis(a.int("axis", 0), x.Rank())
	dim := x.Shape().Dimensions[axis]
	sizes := a.ints("split")
	if len(in) > 1 && in[1] != nil {
		sizes = hostInts(in[1], "Split sizes")
	}
	if sizes == nil {
		n := a.int("num_outputs", len(c.node.GetOutput()))
		part := (dim + n - 1) / n
		for off := 0; off < dim; off += part {
			sizes = append(sizes, min(part, dim-off))
		}
	}
	out := make([]*value, len(sizes))
	off := 0
	for i, s := range sizes {
		out[i] = nodeOf(SliceAxis(x, axis, AxisRange(off, off+s)))
		off += s
	}
	return out
}

// opSlice follows ONNX Slice (opset ≥ 10 inputs; opset 1 attributes), clamping like ORT.
func opSlice(c *lowerCtx, a attrs, in []*value) []*value {
	x := c.n(in[0])
	var starts, ends, axes, steps []int
	if len(in) == 1 {
		starts, ends, axes = a.ints("starts"), a.ints("ends"), a.ints("axes")
	} else {
		starts, ends = hostInts(in[1], "Slice starts"), hostInts(in[2], "Slice ends")
		if len(in) > 3 && in[3] != nil {
			axes = hostInts(in[3], "Slice axes")
		}
		if len(in) > 4 && in[4] != nil {
			steps = hostInts(in[4], "Slice steps")
		}
	}
	dims := x.Shape().Dimensions
	specs := make([]SliceAxisSpec, len(dims))
	for i := range specs {
		specs[i] = AxisRange()
	}
	var rev []int
	for i := range starts {
		ax := i
		if axes != nil {
			ax = normAxis(axes[i], len(dims))
		}
		step := 1
		if steps != nil {
			step = steps[i]
		}
		d := dims[ax]
		s, e := starts[i], ends[i]
		if s < 0 {
			s += d
		}
		if e < 0 {
			e += d
		}
		if step > 0 {
			s, e = min(max(s, 0), d), min(max(e, 0), d)
			e = max(e, s)
			specs[ax] = AxisRange(s, e).Stride(step)
			continue
		}
		// Negative step: reverse the axis and slice forward.
		s, e = min(max(s, -1), d-1), min(max(e, -1), d-1)
		rs, re := d-1-s, d-1-e
		re = max(re, rs)
		rev = append(rev, ax)
		specs[ax] = AxisRange(rs, re).Stride(-step)
	}
	if len(rev) > 0 {
		x = reverse(x, rev...)
	}
	return []*value{nodeOf(Slice(x, specs...))}
}

// opGather is ONNX Gather along axis, negative indices allowed.
func opGather(c *lowerCtx, a attrs, in []*value) []*value {
	x := c.n(in[0])
	r := x.Rank()
	axis := normAxis(a.int("axis", 0), r)
	d := x.Shape().Dimensions[axis]
	var idx *Node
	if h := in[1].h; h != nil {
		fixed := &hostT{dt: onnxpb.TensorProto_INT64, dims: h.dims, i64: make([]int64, len(h.i64))}
		for i, v := range h.i64 {
			if v < 0 {
				v += int64(d)
			}
			if v < 0 || v >= int64(d) {
				fail("Gather index %d is out of range for dimension %d", h.i64[i], d)
			}
			fixed.i64[i] = v
		}
		idx = c.constant(fixed)
	} else {
		idx = c.n(in[1])
		if idx.DType() != dtypes.Int64 {
			idx = ConvertDType(idx, dtypes.Int64)
		}
		idx = Where(LessThan(idx, scalarLike(idx, 0)), Add(idx, scalarLike(idx, float64(d))), idx)
	}
	q := idx.Rank()
	idx = Reshape(idx, append(append([]int{}, idx.Shape().Dimensions...), 1)...)
	var offset []int
	for i := 0; i < axis; i++ {
		offset = append(offset, i)
	}
	for i := axis + q; i < r+q-1; i++ {
		offset = append(offset, i)
	}
	sizes := append([]int{}, x.Shape().Dimensions...)
	sizes[axis] = 1
	return []*value{nodeOf(BackendGather(x, idx, q, offset, []int{axis}, []int{axis}, sizes, false))}
}

// opGatherND supports batch_dims 0 (what our importer and torch emit).
func opGatherND(c *lowerCtx, a attrs, in []*value) []*value {
	if a.int("batch_dims", 0) != 0 {
		fail("GatherND batch_dims %d is not supported", a.int("batch_dims", 0))
	}
	x, idx := c.n(in[0]), c.n(in[1])
	return []*value{nodeOf(Gather(x, idx))}
}

// opExpand broadcasts x to the shape input (numpy rules, either side may be 1).
func opExpand(c *lowerCtx, _ attrs, in []*value) []*value {
	x := c.n(in[0])
	dims := hostInts(in[1], "Expand shape")
	ones := Ones(c.g, shapeMake(x.DType(), dims...))
	return []*value{nodeOf(broadcast(x, ones)[0])}
}

func opTile(c *lowerCtx, _ attrs, in []*value) []*value {
	x := c.n(in[0])
	reps := hostInts(in[1], "Tile repeats")
	for ax, r := range reps {
		if r == 1 {
			continue
		}
		parts := make([]*Node, r)
		for i := range parts {
			parts[i] = x
		}
		x = Concatenate(parts, ax)
	}
	return []*value{nodeOf(x)}
}

// opRange is folded on the host: its length must be known.
func opRange(c *lowerCtx, _ attrs, in []*value) []*value {
	s, l, d := host(in[0], "Range start"), host(in[1], "Range limit"), host(in[2], "Range delta")
	if s.i64 != nil {
		n := max(int64(0), ceilDiv(l.i64[0]-s.i64[0], d.i64[0]))
		out := make([]int64, n)
		for i := range out {
			out[i] = s.i64[0] + int64(i)*d.i64[0]
		}
		return []*value{{h: &hostT{dt: s.dt, dims: []int{int(n)}, i64: out}}}
	}
	n := 0
	if span := (l.f32[0] - s.f32[0]) / d.f32[0]; span > 0 {
		n = int(span)
		if float32(n) < span {
			n++
		}
	}
	out := make([]float32, n)
	for i := range out {
		out[i] = s.f32[0] + float32(i)*d.f32[0]
	}
	return []*value{{h: &hostT{dt: s.dt, dims: []int{n}, f32: out}}}
}

func ceilDiv(a, b int64) int64 {
	q := a / b
	if (a%b != 0) && ((a < 0) == (b < 0)) {
		q++
	}
	return q
}
