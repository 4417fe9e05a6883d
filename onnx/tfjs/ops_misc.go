package tfjs

import (
	"fmt"
	"slices"
)

// opArgMax maps ArgMax (first index on ties in both) and casts the int64 result to output_type.
func opArgMax(c *converter, n *nodeDef, in []*value) ([]*value, error) {
	if err := needInputs(in, 2, 2); err != nil {
		return nil, err
	}
	x := in[0]
	ax, err := constInt(in[1], "dimension")
	if err != nil {
		return nil, err
	}
	axis, err := normAxis(ax, x.rank())
	if err != nil {
		return nil, err
	}
	dt := dtInt64
	if t := n.attrType("output_type"); t != "" {
		if dt, err = dtypeFromTF(t); err != nil {
			return nil, fmt.Errorf("%w: %w", ErrUnsupportedOp, err)
		}
	}
	out := c.out(n, 0)
	am := out
	if dt != dtInt64 {
		am = c.tmp(n, "argmax")
	}
	c.b.add("ArgMax", []string{c.ref(x)}, []string{am}, attrInt("axis", axis), attrInt("keepdims", 0))
	if dt != dtInt64 {
		c.b.add("Cast", []string{am}, []string{out}, attrInt("to", int64(dt)))
	}
	var shape []int64
	if x.shape != nil {
		shape = slices.Delete(slices.Clone(x.shape), int(axis), int(axis)+1)
	}
	return []*value{{name: out, dtype: dt, shape: shape}}, nil
}

// opGatherNd maps GatherNd to GatherND (batch_dims 0, int64 indices).
func opGatherNd(c *converter, n *nodeDef, in []*value) ([]*value, error) {
	if err := needInputs(in, 2, 2); err != nil {
		return nil, err
	}
	p, idx := in[0], in[1]
	out := c.out(n, 0)
	c.b.add("GatherND", []string{c.ref(p), c.int64Input(n, idx, "indices")}, []string{out})
	var shape []int64
	if idx.rank() >= 1 && p.shape != nil {
		k := idx.shape[idx.rank()-1]
		if k >= 0 && k <= int64(p.rank()) {
			shape = append(slices.Clone(idx.shape[:idx.rank()-1]), p.shape[k:]...)
		}
	}
	return []*value{{name: out, dtype: p.dtype, shape: shape}}, nil
}

// opTopK maps TopKV2 (last axis, largest, sorted) and casts indices to int32 like TF.
func opTopK(c *converter, n *nodeDef, in []*value) ([]*value, error) {
	if err := needInputs(in, 2, 2); err != nil {
		return nil, err
	}
	x := in[0]
	if x.rank() == 0 {
		return nil, fmt.Errorf("%w: TopK of a scalar", ErrBadModel)
	}
	var kName string
	kVal := int64(-1)
	if k, err := constInt(in[1], "k"); err == nil {
		kVal = k
		kName = c.b.ints64(n.Name+"/k", k)
	} else {
		k64 := c.int64Input(n, in[1], "k")
		kName = c.tmp(n, "k1")
		c.b.add("Reshape", []string{k64, c.b.ints64(n.Name+"/one", 1)}, []string{kName})
	}
	values, idx := c.out(n, 0), c.tmp(n, "indices64")
	c.b.add("TopK", []string{c.ref(x), kName}, []string{values, idx},
		attrInt("axis", -1), attrInt("largest", 1), attrInt("sorted", 1))
	indices := c.out(n, 1)
	c.b.add("Cast", []string{idx}, []string{indices}, attrInt("to", int64(dtInt32)))
	var shape []int64
	if x.shape != nil {
		shape = slices.Clone(x.shape)
		shape[len(shape)-1] = kVal
	}
	return []*value{
		{name: values, dtype: x.dtype, shape: shape},
		{name: indices, dtype: dtInt32, shape: shape},
	}, nil
}

// opSelect maps Select/SelectV2 to Where; TF v1 Select with a vector condition
// picks whole rows, so the condition gets trailing unit dims.
func opSelect(c *converter, n *nodeDef, in []*value) ([]*value, error) {
	if err := needInputs(in, 3, 3); err != nil {
		return nil, err
	}
	cond, t, e := in[0], in[1], in[2]
	cn := c.ref(cond)
	if n.Op == "Select" && cond.rank() == 1 && t.rank() > 1 {
		axes := make([]int64, 0, t.rank()-1)
		for i := 1; i < t.rank(); i++ {
			axes = append(axes, int64(i))
		}
		u := c.tmp(n, "cond")
		c.b.add("Unsqueeze", []string{cn, c.b.ints64(n.Name+"/axes", axes...)}, []string{u})
		cn = u
	} else if n.Op == "Select" && cond.rank() == 1 && t.rank() < 0 {
		return nil, fmt.Errorf("%w: Select with a vector condition on values of unknown rank", ErrUnsupportedOp)
	}
	out := c.out(n, 0)
	c.b.add("Where", []string{cn, c.ref(t), c.ref(e)}, []string{out})
	shape := broadcastShape(t.shape, e.shape)
	if n.Op == "SelectV2" {
		shape = broadcastShape(cond.shape, t.shape, e.shape)
	}
	return []*value{{name: out, dtype: t.dtype, shape: shape}}, nil
}

// reduce maps Max/Min/Sum/Mean/Prod with constant axes (keep_dims); no axes means no reduction in TF.
func reduce(onnxOp string) opFunc {
	return func(c *converter, n *nodeDef, in []*value) ([]*value, error) {
		if err := needInputs(in, 2, 2); err != nil {
			return nil, err
		}
		x := in[0]
		raw, err := constInts(in[1], "reduction_indices")
		if err != nil {
			return nil, err
		}
		keep := n.attrBool("keep_dims")
		out := c.out(n, 0)
		if len(raw) == 0 {
			c.b.add("Identity", []string{c.ref(x)}, []string{out})
			return []*value{{name: out, dtype: x.dtype, shape: x.shape}}, nil
		}
		axes := make([]int64, len(raw))
		for i, a := range raw {
			if axes[i], err = normAxis(a, x.rank()); err != nil {
				return nil, err
			}
		}
		keepInt := int64(0)
		if keep {
			keepInt = 1
		}
		if onnxOp == "ReduceSum" {
			c.b.add(onnxOp, []string{c.ref(x), c.b.ints64(n.Name+"/axes", axes...)}, []string{out}, attrInt("keepdims", keepInt))
		} else {
			c.b.add(onnxOp, []string{c.ref(x)}, []string{out}, attrInts("axes", axes), attrInt("keepdims", keepInt))
		}
		var shape []int64
		if x.shape != nil {
			shape = []int64{}
			for i, d := range x.shape {
				switch {
				case !slices.Contains(axes, int64(i)):
					shape = append(shape, d)
				case keep:
					shape = append(shape, 1)
				}
			}
		}
		return []*value{{name: out, dtype: x.dtype, shape: shape}}, nil
	}
}
