package tfjs

import (
	"fmt"
)

var (
	toNCHW = []int64{0, 3, 1, 2}
	toNHWC = []int64{0, 2, 3, 1}
)

// convPadding reads TF padding (SAME/VALID/EXPLICIT) as ONNX attributes.
// TF SAME puts the odd extra pixel at the bottom/right: ONNX auto_pad SAME_UPPER.
func convPadding(n *nodeDef) (attrs []*onnxAttr, pads [4]int64, same bool, err error) {
	p, err := n.attrString("padding")
	if err != nil {
		return nil, pads, false, err
	}
	switch p {
	case "SAME":
		return []*onnxAttr{attrString("auto_pad", "SAME_UPPER")}, pads, true, nil
	case "VALID", "":
		return []*onnxAttr{attrInts("pads", []int64{0, 0, 0, 0})}, pads, false, nil
	case "EXPLICIT":
		e := n.attrInts("explicit_paddings")
		if len(e) != 8 {
			return nil, pads, false, fmt.Errorf("%w: explicit_paddings has %d values, want 8", ErrBadModel, len(e))
		}
		pads = [4]int64{e[2], e[4], e[3], e[5]} // top, left, bottom, right
		return []*onnxAttr{attrInts("pads", pads[:])}, pads, false, nil
	}
	return nil, pads, false, fmt.Errorf("%w: padding %q", ErrUnsupportedOp, p)
}

// nhwcAttrs reads a 4-element NHWC attribute (strides, dilations, ksize) as its H, W pair.
func nhwcAttrs(n *nodeDef, name string) ([]int64, error) {
	v := n.attrInts(name)
	if len(v) == 0 {
		return []int64{1, 1}, nil
	}
	if len(v) != 4 || v[0] != 1 || v[3] != 1 || v[1] < 1 || v[2] < 1 {
		return nil, fmt.Errorf("%w: %s %v (want NHWC [1,h,w,1])", ErrUnsupportedOp, name, v)
	}
	return []int64{v[1], v[2]}, nil
}

// checkNHWC rejects data_format other than NHWC.
func checkNHWC(n *nodeDef) error {
	f, err := n.attrString("data_format")
	if err != nil {
		return err
	}
	if f != "" && f != "NHWC" {
		return fmt.Errorf("%w: data_format %q", ErrUnsupportedOp, f)
	}
	return nil
}

// outDim is the spatial output size of a conv/pool (-1 stays unknown).
func outDim(in, k, stride, dil, padBefore, padAfter int64, same bool) int64 {
	if in < 0 {
		return -1
	}
	if same {
		return (in + stride - 1) / stride
	}
	eff := (k-1)*dil + 1
	return (in+padBefore+padAfter-eff)/stride + 1
}

// opConv maps Conv2D, depthwise and their TFJS fused forms (BiasAdd + Relu/Relu6/Elu/LeakyRelu/Sigmoid)
// to Transpose → Conv → activation → Transpose, with the filter transposed to OIHW once here.
func opConv(c *converter, n *nodeDef, in []*value) ([]*value, error) {
	if len(in) < 2 {
		return nil, fmt.Errorf("%w: want at least 2 inputs, got %d", ErrBadModel, len(in))
	}
	if err := checkNHWC(n); err != nil {
		return nil, err
	}
	x, f := in[0], in[1]
	if f.konst == nil || f.konst.dtype != dtFloat || len(f.konst.shape) != 4 {
		return nil, fmt.Errorf("%w: filter must be a constant float 4-D tensor", ErrUnsupportedOp)
	}
	if x.rank() >= 0 && x.rank() != 4 {
		return nil, fmt.Errorf("%w: input has rank %d, want 4", ErrBadModel, x.rank())
	}
	depthwise := n.Op == "DepthwiseConv2dNative" || n.Op == "FusedDepthwiseConv2dNative"
	fused, err := n.attrStrings("fused_ops")
	if err != nil {
		return nil, err
	}
	if n.Op == "Conv2D" || n.Op == "DepthwiseConv2dNative" {
		fused = nil
	}
	strides, err := nhwcAttrs(n, "strides")
	if err != nil {
		return nil, err
	}
	dil, err := nhwcAttrs(n, "dilations")
	if err != nil {
		return nil, err
	}
	padAttrs, pads, same, err := convPadding(n)
	if err != nil {
		return nil, err
	}
	kh, kw, ci, co := f.konst.shape[0], f.konst.shape[1], f.konst.shape[2], f.konst.shape[3]
	var w *tensor
	group := int64(1)
	outC := co
	if depthwise {
		w, group, outC = depthwiseFilter(f.konst), ci, ci*co
	} else {
		w = convFilter(f.konst)
	}
	inputs := []string{"", c.b.initializer(n.Name+"/W", w)}
	act := ""
	var alpha float64
	for i, op := range fused {
		switch {
		case op == "BiasAdd" && i == 0:
			if len(in) < 3 {
				return nil, fmt.Errorf("%w: fused BiasAdd without a bias input", ErrBadModel)
			}
			inputs = append(inputs, c.ref(in[2]))
		case i == 1 && (op == "Relu" || op == "Relu6" || op == "Elu" || op == "Sigmoid" || op == "LeakyRelu"):
			act = op
			alpha = n.attrFloat("leakyrelu_alpha", 0.2)
		default:
			return nil, fmt.Errorf("%w: fused op %q at position %d", ErrUnsupportedOp, op, i)
		}
	}
	t := c.tmp(n, "nchw")
	c.b.add("Transpose", []string{c.ref(x)}, []string{t}, attrInts("perm", toNCHW))
	inputs[0] = t
	attrs := append([]*onnxAttr{
		attrInts("kernel_shape", []int64{kh, kw}), attrInts("strides", strides),
		attrInts("dilations", dil), attrInt("group", group),
	}, padAttrs...)
	y := c.tmp(n, "conv")
	c.b.add("Conv", inputs, []string{y}, attrs...)
	if act != "" {
		a := c.tmp(n, "act")
		switch act {
		case "Relu6":
			c.b.add("Clip", []string{y, c.b.scalar(n.Name+"/min", dtFloat, 0), c.b.scalar(n.Name+"/max", dtFloat, 6)}, []string{a})
		case "LeakyRelu":
			c.b.add("LeakyRelu", []string{y}, []string{a}, attrFloat("alpha", float32(alpha)))
		default:
			c.b.add(act, []string{y}, []string{a})
		}
		y = a
	}
	out := c.out(n, 0)
	c.b.add("Transpose", []string{y}, []string{out}, attrInts("perm", toNHWC))
	shape := []int64{-1, -1, -1, outC}
	if x.rank() == 4 {
		shape[0] = x.shape[0]
		shape[1] = outDim(x.shape[1], kh, strides[0], dil[0], pads[0], pads[2], same)
		shape[2] = outDim(x.shape[2], kw, strides[1], dil[1], pads[1], pads[3], same)
	}
	return []*value{{name: out, dtype: dtFloat, shape: shape}}, nil
}

// convFilter transposes a TF HWIO filter to ONNX OIHW.
func convFilter(f *tensor) *tensor {
	kh, kw, ci, co := f.shape[0], f.shape[1], f.shape[2], f.shape[3]
	w := make([]float32, len(f.f))
	for h := range kh {
		for x := range kw {
			for i := range ci {
				for o := range co {
					w[((o*ci+i)*kh+h)*kw+x] = f.f[((h*kw+x)*ci+i)*co+o]
				}
			}
		}
	}
	return &tensor{dtype: dtFloat, shape: []int64{co, ci, kh, kw}, f: w}
}

// depthwiseFilter turns a TF depthwise filter [H,W,C,M] into a grouped ONNX filter [C*M,1,H,W];
// TF output channel c*M+m comes from input channel c, as in ONNX group=C.
func depthwiseFilter(f *tensor) *tensor {
	kh, kw, ch, m := f.shape[0], f.shape[1], f.shape[2], f.shape[3]
	w := make([]float32, len(f.f))
	for h := range kh {
		for x := range kw {
			for c := range ch {
				for k := range m {
					w[((c*m+k)*kh+h)*kw+x] = f.f[((h*kw+x)*ch+c)*m+k]
				}
			}
		}
	}
	return &tensor{dtype: dtFloat, shape: []int64{ch * m, 1, kh, kw}, f: w}
}

// opPool maps MaxPool/AvgPool (NHWC); AvgPool excludes padding like TF.
func opPool(c *converter, n *nodeDef, in []*value) ([]*value, error) {
	if err := needInputs(in, 1, 1); err != nil {
		return nil, err
	}
	if err := checkNHWC(n); err != nil {
		return nil, err
	}
	k, err := nhwcAttrs(n, "ksize")
	if err != nil {
		return nil, err
	}
	strides, err := nhwcAttrs(n, "strides")
	if err != nil {
		return nil, err
	}
	padAttrs, pads, same, err := convPadding(n)
	if err != nil {
		return nil, err
	}
	if x := in[0]; n.Op == "AvgPool" && !same && pads == [4]int64{} && x.rank() == 4 &&
		x.shape[1] == k[0] && x.shape[2] == k[1] && k[0] > 0 && k[1] > 0 {
		// A window over the whole (static) image is a mean, taken per row and then over the rows
		// (two ReduceMeans on NHWC): ORT's AveragePool and one-step ReduceMean sum the window
		// sequentially in float32 (seen: 5.3e-5 off on selfie's 64×64 pool, TFJS 6e-6).
		mid, out := c.tmp(n, "mean_w"), c.out(n, 0)
		c.b.add("ReduceMean", []string{c.ref(x)}, []string{mid}, attrInts("axes", []int64{2}), attrInt("keepdims", 1))
		c.b.add("ReduceMean", []string{mid}, []string{out}, attrInts("axes", []int64{1}), attrInt("keepdims", 1))
		return []*value{{name: out, dtype: x.dtype, shape: []int64{x.shape[0], 1, 1, x.shape[3]}}}, nil
	}
	t := c.tmp(n, "nchw")
	c.b.add("Transpose", []string{c.ref(in[0])}, []string{t}, attrInts("perm", toNCHW))
	y := c.tmp(n, "pool")
	attrs := append([]*onnxAttr{attrInts("kernel_shape", k), attrInts("strides", strides)}, padAttrs...)
	op := "MaxPool"
	if n.Op == "AvgPool" {
		op = "AveragePool"
		attrs = append(attrs, attrInt("count_include_pad", 0))
	}
	c.b.add(op, []string{t}, []string{y}, attrs...)
	out := c.out(n, 0)
	c.b.add("Transpose", []string{y}, []string{out}, attrInts("perm", toNHWC))
	x := in[0]
	var shape []int64
	if x.rank() == 4 {
		shape = []int64{x.shape[0],
			outDim(x.shape[1], k[0], strides[0], 1, pads[0], pads[2], same),
			outDim(x.shape[2], k[1], strides[1], 1, pads[1], pads[3], same), x.shape[3]}
	}
	return []*value{{name: out, dtype: x.dtype, shape: shape}}, nil
}

// opResize maps ResizeBilinear/ResizeNearestNeighbor to a Resize of the NCHW transpose
// (Transpose, Resize over the last two axes, Transpose back). A Resize straight on NHWC is
// valid ONNX and ONNX Runtime's CPU provider runs it right, but its CUDA provider (1.29)
// computes linear resizes over axes 1 and 2 wrongly and not even reproducibly: MoveNet,
// selfie and meet gave other outputs on the H200 than on the CPU (docs/gpu.md).
// Coordinates: align_corners → "align_corners", half_pixel_centers → "half_pixel" (TF clamps the source coordinate like ORT's bilinear), neither → "asymmetric".
func opResize(c *converter, n *nodeDef, in []*value) ([]*value, error) {
	if err := needInputs(in, 2, 2); err != nil {
		return nil, err
	}
	x := in[0]
	if x.rank() >= 0 && x.rank() != 4 {
		return nil, fmt.Errorf("%w: input has rank %d, want 4", ErrBadModel, x.rank())
	}
	alignCorners, halfPixel := n.attrBool("align_corners"), n.attrBool("half_pixel_centers")
	mode := "asymmetric"
	switch {
	case alignCorners && halfPixel:
		return nil, fmt.Errorf("%w: align_corners and half_pixel_centers both set", ErrBadModel)
	case alignCorners:
		mode = "align_corners"
	case halfPixel:
		mode = "half_pixel"
	}
	attrs := []*onnxAttr{attrString("coordinate_transformation_mode", mode)}
	if n.Op == "ResizeBilinear" {
		attrs = append(attrs, attrString("mode", "linear"))
	} else {
		// TF nearest: floor of the source coordinate, rounded half away (align_corners) or
		// floor after half-pixel shift; ORT "round_prefer_ceil" matches TF's half_pixel_centers path.
		nearest := "floor"
		if alignCorners || halfPixel {
			nearest = "round_prefer_ceil"
		}
		attrs = append(attrs, attrString("mode", "nearest"), attrString("nearest_mode", nearest))
	}
	xt := c.tmp(n, "nchw")
	c.b.add("Transpose", []string{c.ref(x)}, []string{xt}, attrInts("perm", toNCHW))
	shp := c.tmp(n, "shape")
	c.b.add("Shape", []string{xt}, []string{shp})
	nc := c.tmp(n, "nc")
	c.b.add("Slice", []string{shp, c.b.ints64(n.Name+"/s0", 0), c.b.ints64(n.Name+"/e0", 2)}, []string{nc})
	hw := c.int64Input(n, in[1], "size")
	sizes := c.tmp(n, "sizes")
	c.b.add("Concat", []string{nc, hw}, []string{sizes}, attrInt("axis", 0))
	yt := c.tmp(n, "resized")
	c.b.add("Resize", []string{xt, "", "", sizes}, []string{yt}, attrs...)
	out := c.out(n, 0)
	c.b.add("Transpose", []string{yt}, []string{out}, attrInts("perm", toNHWC))
	shape := []int64{-1, -1, -1, -1}
	if x.rank() == 4 {
		shape[0], shape[3] = x.shape[0], x.shape[3]
	}
	if sz, err := constInts(in[1], "size"); err == nil && len(sz) == 2 {
		shape[1], shape[2] = sz[0], sz[1]
	}
	return []*value{{name: out, dtype: x.dtype, shape: shape}}, nil
}
