package tfjs

import (
	"fmt"
)

// layerConv2D maps Keras Conv2D (channels_last, groups 1, activation linear/relu/…) to
// Transpose → Conv (+bias) → activation → Transpose, with the HWIO kernel transposed to OIHW here.
func layerConv2D(c *converter, l *kerasLayer, in []*value) (*value, error) {
	cfg := &l.Config
	if len(in) != 1 {
		return nil, fmt.Errorf("%w: want 1 input, got %d", ErrBadModel, len(in))
	}
	if err := checkChannelsLast(cfg); err != nil {
		return nil, err
	}
	if cfg.Groups != nil && *cfg.Groups != 1 {
		return nil, fmt.Errorf("%w: groups %d", ErrUnsupportedOp, *cfg.Groups)
	}
	x := in[0]
	if x.rank() >= 0 && x.rank() != 4 {
		return nil, fmt.Errorf("%w: input has rank %d, want 4", ErrBadModel, x.rank())
	}
	strides, err := pair(cfg.Strides, "strides", 1)
	if err != nil {
		return nil, err
	}
	dil, err := pair(cfg.DilationRate, "dilation_rate", 1)
	if err != nil {
		return nil, err
	}
	kernel, err := c.weight(l.Name, "kernel")
	if err != nil {
		return nil, err
	}
	if kernel.dtype != dtFloat || len(kernel.shape) != 4 {
		return nil, fmt.Errorf("%w: kernel must be a float 4-D tensor, has shape %v", ErrBadWeights, kernel.shape)
	}
	kh, kw, ci, co := kernel.shape[0], kernel.shape[1], kernel.shape[2], kernel.shape[3]
	if k, err := pair(cfg.KernelSize, "kernel_size", 0); err == nil && len(cfg.KernelSize) == 2 && (k[0] != kh || k[1] != kw) {
		return nil, fmt.Errorf("%w: kernel_size %v but kernel shape %v", ErrBadWeights, k, kernel.shape)
	}
	if x.rank() == 4 && x.shape[3] >= 0 && x.shape[3] != ci {
		return nil, fmt.Errorf("%w: kernel expects %d input channels, input has %d", ErrBadModel, ci, x.shape[3])
	}
	var pad *onnxAttr
	same := false
	switch cfg.Padding {
	case "same":
		pad, same = attrString("auto_pad", "SAME_UPPER"), true
	case "valid", "":
		pad = attrInts("pads", []int64{0, 0, 0, 0})
	default:
		return nil, fmt.Errorf("%w: padding %q", ErrUnsupportedOp, cfg.Padding)
	}
	ins := []string{"", c.b.initializer(l.Name+"/W", convFilter(kernel))}
	if cfg.UseBias == nil || *cfg.UseBias {
		bias, err := c.weight(l.Name, "bias")
		if err != nil {
			return nil, err
		}
		if len(bias.shape) != 1 || bias.shape[0] != co || bias.dtype != dtFloat {
			return nil, fmt.Errorf("%w: bias shape %v, want [%d]", ErrBadWeights, bias.shape, co)
		}
		ins = append(ins, c.b.initializer(l.Name+"/B", bias))
	}
	t := c.b.unique(l.Name + "/nchw")
	c.b.add("Transpose", []string{c.ref(x)}, []string{t}, attrInts("perm", toNCHW))
	ins[0] = t
	y := c.b.unique(l.Name + "/conv")
	c.b.add("Conv", ins, []string{y}, attrInts("kernel_shape", []int64{kh, kw}), attrInts("strides", strides),
		attrInts("dilations", dil), attrInt("group", 1), pad)
	y, err = c.activation(l.Name, y, cfg.Activation)
	if err != nil {
		return nil, err
	}
	out := c.b.unique(l.Name)
	c.b.add("Transpose", []string{y}, []string{out}, attrInts("perm", toNHWC))
	shape := []int64{-1, -1, -1, co}
	if x.rank() == 4 {
		shape[0] = x.shape[0]
		shape[1] = outDim(x.shape[1], kh, strides[0], dil[0], 0, 0, same)
		shape[2] = outDim(x.shape[2], kw, strides[1], dil[1], 0, 0, same)
	}
	return &value{name: out, dtype: dtFloat, shape: shape}, nil
}

// activation applies a Keras activation by name to x (any layout: all are elementwise).
func (c *converter) activation(layer, x, act string) (string, error) {
	op := ""
	switch act {
	case "linear", "":
		return x, nil
	case "relu":
		op = "Relu"
	case "sigmoid":
		op = "Sigmoid"
	case "tanh":
		op = "Tanh"
	case "elu":
		op = "Elu"
	default:
		return "", fmt.Errorf("%w: activation %q", ErrUnsupportedOp, act)
	}
	y := c.b.unique(layer + "/" + act)
	c.b.add(op, []string{x}, []string{y})
	return y, nil
}

// layerActivation maps an Activation layer.
func layerActivation(c *converter, l *kerasLayer, in []*value) (*value, error) {
	if len(in) != 1 {
		return nil, fmt.Errorf("%w: want 1 input, got %d", ErrBadModel, len(in))
	}
	y, err := c.activation(l.Name, c.ref(in[0]), l.Config.Activation)
	if err != nil {
		return nil, err
	}
	return &value{name: y, dtype: in[0].dtype, shape: in[0].shape}, nil
}

// layerAdd maps Add (2 inputs: Add, more: Sum).
func layerAdd(c *converter, l *kerasLayer, in []*value) (*value, error) {
	if len(in) < 2 {
		return nil, fmt.Errorf("%w: Add needs at least 2 inputs, got %d", ErrBadModel, len(in))
	}
	names := make([]string, len(in))
	shapes := make([][]int64, len(in))
	for i, v := range in {
		names[i], shapes[i] = c.ref(v), v.shape
	}
	op := "Add"
	if len(in) > 2 {
		op = "Sum"
	}
	out := c.b.unique(l.Name)
	c.b.add(op, names, []string{out})
	return &value{name: out, dtype: in[0].dtype, shape: broadcastShape(shapes...)}, nil
}

// layerConcat maps Concatenate (axis default -1).
func layerConcat(c *converter, l *kerasLayer, in []*value) (*value, error) {
	ax := int64(-1)
	if l.Config.Axis != nil {
		ax = int64(*l.Config.Axis)
	}
	axis, err := normAxis(ax, in[0].rank())
	if err != nil {
		return nil, err
	}
	names := make([]string, len(in))
	var shape []int64
	if in[0].shape != nil {
		shape = append([]int64(nil), in[0].shape...)
		shape[axis] = 0
	}
	for i, v := range in {
		names[i] = c.ref(v)
		if shape == nil || v.rank() != len(shape) || v.shape[axis] < 0 || shape[axis] < 0 {
			if shape != nil && int(axis) < len(shape) {
				shape[axis] = -1
			}
			continue
		}
		shape[axis] += v.shape[axis]
	}
	out := c.b.unique(l.Name)
	c.b.add("Concat", names, []string{out}, attrInt("axis", axis))
	return &value{name: out, dtype: in[0].dtype, shape: shape}, nil
}

// layerUpSampling maps UpSampling2D with nearest interpolation: integer factors repeat pixels in
// every coordinate convention, so Resize(nearest, asymmetric, floor) on NHWC is exact.
// Bilinear is refused: tfjs-layers and Keras sample it differently (no half-pixel vs half-pixel).
func layerUpSampling(c *converter, l *kerasLayer, in []*value) (*value, error) {
	if len(in) != 1 {
		return nil, fmt.Errorf("%w: want 1 input, got %d", ErrBadModel, len(in))
	}
	if err := checkChannelsLast(&l.Config); err != nil {
		return nil, err
	}
	if it := l.Config.Interpolation; it != "" && it != "nearest" {
		return nil, fmt.Errorf("%w: interpolation %q", ErrUnsupportedOp, it)
	}
	size, err := pair(l.Config.Size, "size", 2)
	if err != nil {
		return nil, err
	}
	x := in[0]
	scales := c.b.initializer(l.Name+"/scales", &tensor{dtype: dtFloat, shape: []int64{4},
		f: []float32{1, float32(size[0]), float32(size[1]), 1}})
	out := c.b.unique(l.Name)
	c.b.add("Resize", []string{c.ref(x), "", scales}, []string{out}, attrString("mode", "nearest"),
		attrString("coordinate_transformation_mode", "asymmetric"), attrString("nearest_mode", "floor"))
	var shape []int64
	if x.rank() == 4 {
		shape = []int64{x.shape[0], mulDim(x.shape[1], size[0]), mulDim(x.shape[2], size[1]), x.shape[3]}
	}
	return &value{name: out, dtype: x.dtype, shape: shape}, nil
}

func mulDim(d, k int64) int64 {
	if d < 0 {
		return -1
	}
	return d * k
}

// layerMultiplyBeta maps @upscalerjs's MultiplyBeta (x · beta; the package's layer uses 0.2).
func layerMultiplyBeta(c *converter, l *kerasLayer, in []*value) (*value, error) {
	if len(in) != 1 {
		return nil, fmt.Errorf("%w: want 1 input, got %d", ErrBadModel, len(in))
	}
	beta := 0.2
	if l.Config.Beta != nil {
		beta = float64(*l.Config.Beta)
	}
	out := c.b.unique(l.Name)
	c.b.add("Mul", []string{c.ref(in[0]), c.b.scalar(l.Name+"/beta", dtFloat, beta)}, []string{out})
	return &value{name: out, dtype: in[0].dtype, shape: in[0].shape}, nil
}

// layerPixelShuffle maps PixelShuffle<N>x (tf.depthToSpace, NHWC) to DepthToSpace in DCR mode,
// which orders channels the same way: out[h·s+i, w·s+j, c] = in[h, w, (i·s+j)·C + c].
func layerPixelShuffle(c *converter, l *kerasLayer, in []*value) (*value, error) {
	if len(in) != 1 {
		return nil, fmt.Errorf("%w: want 1 input, got %d", ErrBadModel, len(in))
	}
	s, err := layerScale(l)
	if err != nil {
		return nil, err
	}
	x := in[0]
	if x.rank() >= 0 && x.rank() != 4 {
		return nil, fmt.Errorf("%w: input has rank %d, want 4", ErrBadModel, x.rank())
	}
	ch := int64(-1)
	if x.rank() == 4 && x.shape[3] >= 0 {
		if x.shape[3]%(s*s) != 0 {
			return nil, fmt.Errorf("%w: %d channels do not divide by scale² %d", ErrBadModel, x.shape[3], s*s)
		}
		ch = x.shape[3] / (s * s)
	}
	t := c.b.unique(l.Name + "/nchw")
	c.b.add("Transpose", []string{c.ref(x)}, []string{t}, attrInts("perm", toNCHW))
	y := c.b.unique(l.Name + "/d2s")
	c.b.add("DepthToSpace", []string{t}, []string{y}, attrInt("blocksize", s), attrString("mode", "DCR"))
	out := c.b.unique(l.Name)
	c.b.add("Transpose", []string{y}, []string{out}, attrInts("perm", toNHWC))
	shape := []int64{-1, -1, -1, ch}
	if x.rank() == 4 {
		shape = []int64{x.shape[0], mulDim(x.shape[1], s), mulDim(x.shape[2], s), ch}
	}
	return &value{name: out, dtype: x.dtype, shape: shape}, nil
}
