package tfjs

import (
	"fmt"
)

// opConvBackpropInput maps Conv2DBackpropInput (tf.nn.conv2d_transpose; inputs: output size, filter
// [H,W,out,in], x) to Transpose → ConvTranspose → Transpose. TF pads as if running the forward conv
// from the output back to x: SAME puts floor(total/2) before, the rest after; any size the pads do not
// reach is ONNX output_padding. The input's spatial size must be known at import.
func opConvBackpropInput(c *converter, n *nodeDef, in []*value) ([]*value, error) {
	if err := needInputs(in, 3, 3); err != nil {
		return nil, err
	}
	if err := checkNHWC(n); err != nil {
		return nil, err
	}
	sizes, f, x := in[0], in[1], in[2]
	outSize, err := constInts(sizes, "input_sizes")
	if err != nil {
		return nil, err
	}
	if len(outSize) != 4 {
		return nil, fmt.Errorf("%w: input_sizes has %d values, want 4", ErrBadModel, len(outSize))
	}
	if f.konst == nil || f.konst.dtype != dtFloat || len(f.konst.shape) != 4 {
		return nil, fmt.Errorf("%w: filter must be a constant float 4-D tensor", ErrUnsupportedOp)
	}
	if x.rank() != 4 || x.shape[1] < 0 || x.shape[2] < 0 {
		return nil, fmt.Errorf("%w: conv2d_transpose needs an input of known spatial size, got %v", ErrUnsupportedOp, x.shape)
	}
	kh, kw, co, ci := f.konst.shape[0], f.konst.shape[1], f.konst.shape[2], f.konst.shape[3]
	if x.shape[3] >= 0 && x.shape[3] != ci {
		return nil, fmt.Errorf("%w: filter expects %d input channels, input has %d", ErrBadModel, ci, x.shape[3])
	}
	if outSize[3] != co {
		return nil, fmt.Errorf("%w: input_sizes has %d channels, filter gives %d", ErrBadModel, outSize[3], co)
	}
	strides, err := nhwcAttrs(n, "strides")
	if err != nil {
		return nil, err
	}
	dil, err := nhwcAttrs(n, "dilations")
	if err != nil {
		return nil, err
	}
	p, err := n.attrString("padding")
	if err != nil {
		return nil, err
	}
	k := []int64{kh, kw}
	var pads [4]int64 // top, left, bottom, right
	outPad := make([]int64, 2)
	for a := range 2 {
		inD, outD := x.shape[1+a], outSize[1+a]
		eff := (k[a]-1)*dil[a] + 1
		full := (inD-1)*strides[a] + eff // ConvTranspose size before padding
		switch p {
		case "SAME":
			total := max(full-outD, 0)
			pads[a], pads[a+2] = total/2, total-total/2
		case "VALID", "":
		case "EXPLICIT":
			e := n.attrInts("explicit_paddings")
			if len(e) != 8 {
				return nil, fmt.Errorf("%w: explicit_paddings has %d values, want 8", ErrBadModel, len(e))
			}
			pads[a], pads[a+2] = e[2+2*a], e[3+2*a]
		default:
			return nil, fmt.Errorf("%w: padding %q", ErrUnsupportedOp, p)
		}
		outPad[a] = outD - (full - pads[a] - pads[a+2])
		if outPad[a] < 0 || outPad[a] >= max(strides[a], dil[a]) {
			return nil, fmt.Errorf("%w: output size %d cannot come from input %d with kernel %d, stride %d",
				ErrBadModel, outD, inD, k[a], strides[a])
		}
	}
	w := deconvFilter(f.konst)
	t := c.tmp(n, "nchw")
	c.b.add("Transpose", []string{c.ref(x)}, []string{t}, attrInts("perm", toNCHW))
	y := c.tmp(n, "deconv")
	c.b.add("ConvTranspose", []string{t, c.b.initializer(n.Name+"/W", w)}, []string{y},
		attrInts("kernel_shape", k), attrInts("strides", strides), attrInts("dilations", dil),
		attrInts("pads", pads[:]), attrInts("output_padding", outPad))
	out := c.out(n, 0)
	c.b.add("Transpose", []string{y}, []string{out}, attrInts("perm", toNHWC))
	shape := []int64{x.shape[0], outSize[1], outSize[2], co}
	return []*value{{name: out, dtype: dtFloat, shape: shape}}, nil
}

// deconvFilter turns a TF conv2d_transpose filter [H,W,out,in] into ONNX ConvTranspose's
// [in,out,H,W]: the same [H,W,A,B] → [B,A,H,W] transpose as convFilter.
func deconvFilter(f *tensor) *tensor { return convFilter(f) }

// opMatMul maps the 2-D MatMul; transpose_a/transpose_b become Transposes in front of ONNX MatMul.
func opMatMul(c *converter, n *nodeDef, in []*value) ([]*value, error) {
	if err := needInputs(in, 2, 2); err != nil {
		return nil, err
	}
	ops := [2]string{}
	dims := [2][2]int64{{-1, -1}, {-1, -1}}
	for k, v := range in {
		if v.rank() >= 0 && v.rank() != 2 {
			return nil, fmt.Errorf("%w: MatMul input %d has rank %d, want 2", ErrBadModel, k, v.rank())
		}
		if v.rank() == 2 {
			dims[k] = [2]int64{v.shape[0], v.shape[1]}
		}
		ops[k] = c.ref(v)
		if n.attrBool([]string{"transpose_a", "transpose_b"}[k]) {
			t := c.tmp(n, fmt.Sprintf("t%d", k))
			c.b.add("Transpose", []string{ops[k]}, []string{t}, attrInts("perm", []int64{1, 0}))
			ops[k] = t
			dims[k][0], dims[k][1] = dims[k][1], dims[k][0]
		}
	}
	if dims[0][1] >= 0 && dims[1][0] >= 0 && dims[0][1] != dims[1][0] {
		return nil, fmt.Errorf("%w: MatMul of [%d,%d] by [%d,%d]", ErrBadModel, dims[0][0], dims[0][1], dims[1][0], dims[1][1])
	}
	out := c.out(n, 0)
	c.b.add("MatMul", ops[:], []string{out})
	return []*value{{name: out, dtype: in[0].dtype, shape: []int64{dims[0][0], dims[1][1]}}}, nil
}
