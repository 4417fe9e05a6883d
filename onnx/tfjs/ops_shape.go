package tfjs

import (
	"fmt"
	"slices"
)

// opReshape maps Reshape; TF has no "0 = copy" rule, so allowzero is set when a 0 may occur.
func opReshape(c *converter, n *nodeDef, in []*value) ([]*value, error) {
	if err := needInputs(in, 2, 2); err != nil {
		return nil, err
	}
	out := c.out(n, 0)
	var shape []int64
	var attrs []*onnxAttr
	if s, err := constInts(in[1], "shape"); err == nil {
		if slices.Contains(s, 0) {
			attrs = append(attrs, attrInt("allowzero", 1))
		}
		shape = resolveReshape(in[0].shape, s)
	} else {
		attrs = append(attrs, attrInt("allowzero", 1))
		if in[1].rank() == 1 && in[1].shape[0] >= 0 {
			shape = make([]int64, in[1].shape[0])
			for i := range shape {
				shape[i] = -1
			}
		}
	}
	c.b.add("Reshape", []string{c.ref(in[0]), c.int64Input(n, in[1], "shape")}, []string{out}, attrs...)
	return []*value{{name: out, dtype: in[0].dtype, shape: shape}}, nil
}

// resolveReshape fills a single -1 when the input size is known.
func resolveReshape(in, s []int64) []int64 {
	out := slices.Clone(s)
	if in == nil || slices.Contains(in, -1) {
		return out
	}
	total := int64(1)
	for _, d := range in {
		total *= d
	}
	known, hole := int64(1), -1
	for i, d := range s {
		if d == -1 {
			hole = i
		} else {
			known *= d
		}
	}
	if hole >= 0 && known > 0 {
		out[hole] = total / known
	}
	return out
}

// opSqueeze maps Squeeze (squeeze_dims / axis; empty squeezes every 1-dim like ONNX).
func opSqueeze(c *converter, n *nodeDef, in []*value) ([]*value, error) {
	if err := needInputs(in, 1, 1); err != nil {
		return nil, err
	}
	dims := n.attrInts("squeeze_dims")
	if dims == nil {
		dims = n.attrInts("axis")
	}
	out := c.out(n, 0)
	x := in[0]
	if len(dims) == 0 {
		c.b.add("Squeeze", []string{c.ref(x)}, []string{out})
		var shape []int64
		if x.shape != nil && !slices.Contains(x.shape, -1) {
			shape = []int64{}
			for _, d := range x.shape {
				if d != 1 {
					shape = append(shape, d)
				}
			}
		}
		return []*value{{name: out, dtype: x.dtype, shape: shape}}, nil
	}
	axes := make([]int64, len(dims))
	for i, d := range dims {
		a, err := normAxis(d, x.rank())
		if err != nil {
			return nil, err
		}
		axes[i] = a
	}
	c.b.add("Squeeze", []string{c.ref(x), c.b.ints64(n.Name+"/axes", axes...)}, []string{out})
	var shape []int64
	if x.shape != nil {
		shape = []int64{}
		for i, d := range x.shape {
			if !slices.Contains(axes, int64(i)) {
				shape = append(shape, d)
			}
		}
	}
	return []*value{{name: out, dtype: x.dtype, shape: shape}}, nil
}

// unsqueezeShape inserts a 1 at axis (already normalised to the output rank).
func unsqueezeShape(s []int64, axis int64) []int64 {
	if s == nil || axis > int64(len(s)) {
		return nil
	}
	return slices.Insert(slices.Clone(s), int(axis), 1)
}

// opExpandDims maps ExpandDims to Unsqueeze (negative dims count from the output's end in both).
func opExpandDims(c *converter, n *nodeDef, in []*value) ([]*value, error) {
	if err := needInputs(in, 2, 2); err != nil {
		return nil, err
	}
	dim, err := constInt(in[1], "dim")
	if err != nil {
		return nil, err
	}
	x := in[0]
	axis, err := normAxis(dim, x.rank()+1)
	if x.rank() < 0 {
		axis, err = dim, nil
		if dim < 0 {
			err = fmt.Errorf("%w: negative dim on a tensor of unknown rank", ErrUnsupportedOp)
		}
	}
	if err != nil {
		return nil, err
	}
	out := c.out(n, 0)
	c.b.add("Unsqueeze", []string{c.ref(x), c.b.ints64(n.Name+"/axes", axis)}, []string{out})
	return []*value{{name: out, dtype: x.dtype, shape: unsqueezeShape(x.shape, axis)}}, nil
}

// opPack stacks along a new axis: Unsqueeze each input, then Concat.
func opPack(c *converter, n *nodeDef, in []*value) ([]*value, error) {
	if len(in) == 0 {
		return nil, fmt.Errorf("%w: Pack without inputs", ErrBadModel)
	}
	rank := in[0].rank()
	axis, err := normAxis(n.attrInt("axis", 0), rank+1)
	if rank < 0 {
		return nil, fmt.Errorf("%w: Pack of a tensor of unknown rank", ErrUnsupportedOp)
	}
	if err != nil {
		return nil, err
	}
	names := make([]string, len(in))
	axesName := c.b.ints64(n.Name+"/axes", axis)
	for i, v := range in {
		names[i] = c.tmp(n, fmt.Sprintf("unsqueeze%d", i))
		c.b.add("Unsqueeze", []string{c.ref(v), axesName}, []string{names[i]})
	}
	out := c.out(n, 0)
	c.b.add("Concat", names, []string{out}, attrInt("axis", axis))
	shape := unsqueezeShape(in[0].shape, axis)
	if shape != nil {
		shape[axis] = int64(len(in))
	}
	return []*value{{name: out, dtype: in[0].dtype, shape: shape}}, nil
}

// opUnpack splits along axis into num pieces and squeezes that axis.
func opUnpack(c *converter, n *nodeDef, in []*value) ([]*value, error) {
	if err := needInputs(in, 1, 1); err != nil {
		return nil, err
	}
	x := in[0]
	axis, err := normAxis(n.attrInt("axis", 0), x.rank())
	if err != nil {
		return nil, err
	}
	num := n.attrInt("num", -1)
	if x.rank() >= 0 && x.shape[axis] >= 0 {
		num = x.shape[axis]
	}
	if num < 1 || num > 1<<16 {
		return nil, fmt.Errorf("%w: Unpack num %d", ErrBadModel, num)
	}
	axesName := c.b.ints64(n.Name+"/axes", axis)
	parts := []string{c.ref(x)}
	if num > 1 { // a single piece needs no Split (MoveNet unpacks its batch of one): Squeeze only
		parts = make([]string, num)
		for i := range parts {
			parts[i] = c.tmp(n, fmt.Sprintf("part%d", i))
		}
		c.b.add("Split", []string{c.ref(x)}, parts, attrInt("axis", axis))
	}
	var shape []int64
	if x.shape != nil {
		shape = slices.Delete(slices.Clone(x.shape), int(axis), int(axis)+1)
	}
	outs := make([]*value, num)
	for i := range outs {
		o := c.out(n, i)
		c.b.add("Squeeze", []string{parts[i], axesName}, []string{o})
		outs[i] = &value{name: o, dtype: x.dtype, shape: shape}
	}
	return outs, nil
}

// opConcat maps ConcatV2 (axis is the last input).
func opConcat(c *converter, n *nodeDef, in []*value) ([]*value, error) {
	if len(in) < 2 {
		return nil, fmt.Errorf("%w: ConcatV2 needs values and an axis", ErrBadModel)
	}
	ax, err := constInt(in[len(in)-1], "axis")
	if err != nil {
		return nil, err
	}
	vals := in[:len(in)-1]
	axis, err := normAxis(ax, vals[0].rank())
	if err != nil {
		return nil, err
	}
	names := make([]string, len(vals))
	var shape []int64
	if vals[0].shape != nil {
		shape = slices.Clone(vals[0].shape)
		shape[axis] = 0
	}
	for i, v := range vals {
		names[i] = c.ref(v)
		if shape != nil && v.rank() == len(shape) && v.shape[axis] >= 0 && shape[axis] >= 0 {
			shape[axis] += v.shape[axis]
		} else if shape != nil {
			shape[axis] = -1
		}
	}
	out := c.out(n, 0)
	c.b.add("Concat", names, []string{out}, attrInt("axis", axis))
	return []*value{{name: out, dtype: vals[0].dtype, shape: shape}}, nil
}

// opTranspose maps Transpose with a constant permutation.
func opTranspose(c *converter, n *nodeDef, in []*value) ([]*value, error) {
	if err := needInputs(in, 2, 2); err != nil {
		return nil, err
	}
	perm, err := constInts(in[1], "perm")
	if err != nil {
		return nil, err
	}
	x := in[0]
	var shape []int64
	if x.rank() == len(perm) {
		shape = make([]int64, len(perm))
		for i, p := range perm {
			if p < 0 || p >= int64(len(perm)) {
				return nil, fmt.Errorf("%w: perm %v", ErrBadModel, perm)
			}
			shape[i] = x.shape[p]
		}
	}
	out := c.out(n, 0)
	c.b.add("Transpose", []string{c.ref(x)}, []string{out}, attrInts("perm", perm))
	return []*value{{name: out, dtype: x.dtype, shape: shape}}, nil
}

// opShape maps Shape (int64 in ONNX) and casts to out_type (int32 by default).
func opShape(c *converter, n *nodeDef, in []*value) ([]*value, error) {
	if err := needInputs(in, 1, 1); err != nil {
		return nil, err
	}
	dt := dtInt32
	if t := n.attrType("out_type"); t != "" {
		var err error
		if dt, err = dtypeFromTF(t); err != nil {
			return nil, fmt.Errorf("%w: %w", ErrUnsupportedOp, err)
		}
	}
	s := c.tmp(n, "shape64")
	c.b.add("Shape", []string{c.ref(in[0])}, []string{s})
	out := c.out(n, 0)
	c.b.add("Cast", []string{s}, []string{out}, attrInt("to", int64(dt)))
	var shape []int64
	if r := in[0].rank(); r >= 0 {
		shape = []int64{int64(r)}
	} else {
		shape = []int64{-1}
	}
	return []*value{{name: out, dtype: dt, shape: shape}}, nil
}

// opSize maps Size (int64 in ONNX) and casts to out_type (int32 by default).
func opSize(c *converter, n *nodeDef, in []*value) ([]*value, error) {
	if err := needInputs(in, 1, 1); err != nil {
		return nil, err
	}
	dt := dtInt32
	if t := n.attrType("out_type"); t != "" {
		var err error
		if dt, err = dtypeFromTF(t); err != nil {
			return nil, fmt.Errorf("%w: %w", ErrUnsupportedOp, err)
		}
	}
	s := c.tmp(n, "size64")
	c.b.add("Size", []string{c.ref(in[0])}, []string{s})
	out := c.out(n, 0)
	c.b.add("Cast", []string{s}, []string{out}, attrInt("to", int64(dt)))
	return []*value{{name: out, dtype: dt, shape: []int64{}}}, nil
}
