package tfjs

import (
	"fmt"
)

// opIdentity maps Identity-like ops to ONNX Identity.
func opIdentity(c *converter, n *nodeDef, in []*value) ([]*value, error) {
	if err := needInputs(in, 1, 1); err != nil {
		return nil, err
	}
	out := c.out(n, 0)
	c.b.add("Identity", []string{c.ref(in[0])}, []string{out})
	return []*value{{name: out, dtype: in[0].dtype, shape: in[0].shape}}, nil
}

// opCast maps Cast (DstT); TF float→int truncates toward zero like ONNX Cast.
func opCast(c *converter, n *nodeDef, in []*value) ([]*value, error) {
	if err := needInputs(in, 1, 1); err != nil {
		return nil, err
	}
	dt, err := dtypeFromTF(n.attrType("DstT"))
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrUnsupportedOp, err)
	}
	out := c.out(n, 0)
	c.b.add("Cast", []string{c.ref(in[0])}, []string{out}, attrInt("to", int64(dt)))
	return []*value{{name: out, dtype: dt, shape: in[0].shape}}, nil
}

// binaryOp maps a broadcasting TF binary op whose result has the inputs' dtype.
func binaryOp(onnxOp string) opFunc {
	return func(c *converter, n *nodeDef, in []*value) ([]*value, error) {
		if err := needInputs(in, 2, 2); err != nil {
			return nil, err
		}
		out := c.out(n, 0)
		c.b.add(onnxOp, []string{c.ref(in[0]), c.ref(in[1])}, []string{out})
		return []*value{{name: out, dtype: in[0].dtype, shape: broadcastShape(in[0].shape, in[1].shape)}}, nil
	}
}

// compare maps a broadcasting TF comparison or logical op (bool result).
func compare(onnxOp string) opFunc {
	return func(c *converter, n *nodeDef, in []*value) ([]*value, error) {
		if err := needInputs(in, 2, 2); err != nil {
			return nil, err
		}
		out := c.out(n, 0)
		c.b.add(onnxOp, []string{c.ref(in[0]), c.ref(in[1])}, []string{out})
		return []*value{{name: out, dtype: dtBool, shape: broadcastShape(in[0].shape, in[1].shape)}}, nil
	}
}

// unary maps a one-input elementwise op.
func unary(onnxOp string) opFunc {
	return func(c *converter, n *nodeDef, in []*value) ([]*value, error) {
		if err := needInputs(in, 1, 1); err != nil {
			return nil, err
		}
		out := c.out(n, 0)
		c.b.add(onnxOp, []string{c.ref(in[0])}, []string{out})
		return []*value{{name: out, dtype: in[0].dtype, shape: in[0].shape}}, nil
	}
}

// opRelu6 is Clip(x, 0, 6).
func opRelu6(c *converter, n *nodeDef, in []*value) ([]*value, error) {
	if err := needInputs(in, 1, 1); err != nil {
		return nil, err
	}
	out := c.out(n, 0)
	c.b.add("Clip", []string{c.ref(in[0]), c.b.scalar(n.Name+"/min", in[0].dtype, 0), c.b.scalar(n.Name+"/max", in[0].dtype, 6)}, []string{out})
	return []*value{{name: out, dtype: in[0].dtype, shape: in[0].shape}}, nil
}

// opRsqrt is 1/sqrt(x).
func opRsqrt(c *converter, n *nodeDef, in []*value) ([]*value, error) {
	if err := needInputs(in, 1, 1); err != nil {
		return nil, err
	}
	s := c.tmp(n, "sqrt")
	c.b.add("Sqrt", []string{c.ref(in[0])}, []string{s})
	out := c.out(n, 0)
	c.b.add("Reciprocal", []string{s}, []string{out})
	return []*value{{name: out, dtype: in[0].dtype, shape: in[0].shape}}, nil
}

// opSquare is x*x.
func opSquare(c *converter, n *nodeDef, in []*value) ([]*value, error) {
	if err := needInputs(in, 1, 1); err != nil {
		return nil, err
	}
	out := c.out(n, 0)
	x := c.ref(in[0])
	c.b.add("Mul", []string{x, x}, []string{out})
	return []*value{{name: out, dtype: in[0].dtype, shape: in[0].shape}}, nil
}

// opSquaredDifference is (a-b)².
func opSquaredDifference(c *converter, n *nodeDef, in []*value) ([]*value, error) {
	if err := needInputs(in, 2, 2); err != nil {
		return nil, err
	}
	d := c.tmp(n, "diff")
	c.b.add("Sub", []string{c.ref(in[0]), c.ref(in[1])}, []string{d})
	out := c.out(n, 0)
	c.b.add("Mul", []string{d, d}, []string{out})
	return []*value{{name: out, dtype: in[0].dtype, shape: broadcastShape(in[0].shape, in[1].shape)}}, nil
}

// opFloorDiv rounds toward -inf. Integers: (a - mod(a,b)) / b with Python-style Mod
// (fmod=0, the divisor's sign), so the truncating ONNX Div is exact; floats: Floor(a/b).
func opFloorDiv(c *converter, n *nodeDef, in []*value) ([]*value, error) {
	if err := needInputs(in, 2, 2); err != nil {
		return nil, err
	}
	a, b := c.ref(in[0]), c.ref(in[1])
	out := c.out(n, 0)
	shape := broadcastShape(in[0].shape, in[1].shape)
	if isInt(in[0].dtype) {
		m := c.tmp(n, "mod")
		c.b.add("Mod", []string{a, b}, []string{m}, attrInt("fmod", 0))
		d := c.tmp(n, "sub")
		c.b.add("Sub", []string{a, m}, []string{d})
		c.b.add("Div", []string{d, b}, []string{out})
		return []*value{{name: out, dtype: in[0].dtype, shape: shape}}, nil
	}
	q := c.tmp(n, "div")
	c.b.add("Div", []string{a, b}, []string{q})
	c.b.add("Floor", []string{q}, []string{out})
	return []*value{{name: out, dtype: in[0].dtype, shape: shape}}, nil
}

// opFloorMod: integers map to Mod(fmod=0); floats to a - floor(a/b)*b.
func opFloorMod(c *converter, n *nodeDef, in []*value) ([]*value, error) {
	if err := needInputs(in, 2, 2); err != nil {
		return nil, err
	}
	a, b := c.ref(in[0]), c.ref(in[1])
	out := c.out(n, 0)
	shape := broadcastShape(in[0].shape, in[1].shape)
	if isInt(in[0].dtype) {
		c.b.add("Mod", []string{a, b}, []string{out}, attrInt("fmod", 0))
		return []*value{{name: out, dtype: in[0].dtype, shape: shape}}, nil
	}
	q, f, p := c.tmp(n, "div"), c.tmp(n, "floor"), c.tmp(n, "mul")
	c.b.add("Div", []string{a, b}, []string{q})
	c.b.add("Floor", []string{q}, []string{f})
	c.b.add("Mul", []string{f, b}, []string{p})
	c.b.add("Sub", []string{a, p}, []string{out})
	return []*value{{name: out, dtype: in[0].dtype, shape: shape}}, nil
}

// opAddN is ONNX Sum.
func opAddN(c *converter, n *nodeDef, in []*value) ([]*value, error) {
	if len(in) == 0 {
		return nil, fmt.Errorf("%w: AddN without inputs", ErrBadModel)
	}
	names := make([]string, len(in))
	shapes := make([][]int64, len(in))
	for i, v := range in {
		names[i], shapes[i] = c.ref(v), v.shape
	}
	out := c.out(n, 0)
	c.b.add("Sum", names, []string{out})
	return []*value{{name: out, dtype: in[0].dtype, shape: broadcastShape(shapes...)}}, nil
}
