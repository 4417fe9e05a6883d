package xla

import (
	"github.com/gomlx/gomlx/backends"
	. "github.com/gomlx/gomlx/pkg/core/graph" //nolint:revive // GoMLX graph code
)

// convAttrs are the spatial attributes shared by Conv, ConvTranspose and the pools.
type convAttrs struct {
	kernel, strides, dilations []int
	pads                       [][2]int
}

// readConvAttrs resolves strides, dilations and pads (explicit or auto_pad) for input
// spatial dims in and kernel spatial dims k.
func readConvAttrs(a attrs, in, k []int) convAttrs {
	n := len(in)
	ca := convAttrs{kernel: k, strides: a.ints("strides"), dilations: a.ints("dilations")}
	if ca.strides == nil {
		ca.strides = ones(n)
	}
	if ca.dilations == nil {
		ca.dilations = ones(n)
	}
	ca.pads = make([][2]int, n)
	switch mode := a.str("auto_pad", "NOTSET"); mode {
	case "NOTSET":
		if p := a.ints("pads"); p != nil {
			for i := range n {
				ca.pads[i] = [2]int{p[i], p[i+n]}
			}
		}
	case "VALID":
	case "SAME_UPPER", "SAME_LOWER":
		for i := range n {
			out := (in[i] + ca.strides[i] - 1) / ca.strides[i]
			ek := (k[i]-1)*ca.dilations[i] + 1
			total := max((out-1)*ca.strides[i]+ek-in[i], 0)
			lo := total / 2
			if mode == "SAME_LOWER" {
				lo = total - total/2
			}
			ca.pads[i] = [2]int{lo, total - lo}
		}
	default:
		fail("auto_pad %q is not supported", mode)
	}
	return ca
}

func ones(n int) []int {
	s := make([]int, n)
	for i := range s {
		s[i] = 1
	}
	return s
}

func seq(from, n int) []int {
	s := make([]int, n)
	for i := range s {
		s[i] = from + i
	}
	return s
}

// nchw is the ONNX layout: input [N, C, spatial…], kernel [O, I/groups, spatial…].
func nchw(spatial int) backends.ConvolveAxesConfig {
	return backends.ConvolveAxesConfig{
		InputBatch: 0, InputChannels: 1, InputSpatial: seq(2, spatial),
		KernelOutputChannels: 0, KernelInputChannels: 1, KernelSpatial: seq(2, spatial),
		OutputBatch: 0, OutputChannels: 1, OutputSpatial: seq(2, spatial),
	}
}

// opConv is ONNX Conv (any spatial rank, groups, strides, dilations, pads, auto_pad).
// With the nhwc layout the input is transposed channels-last, convolved and the result
// transposed back; a kernel marked ohwi is read as [O, spatial…, I/groups].
func opConv(c *lowerCtx, a attrs, in []*value) []*value {
	x, w := c.n(in[0]), c.n(in[1])
	sp := x.Rank() - 2
	axes, k := nchw(sp), w.Shape().Dimensions[2:]
	if in[1].ohwi {
		axes.KernelSpatial, axes.KernelInputChannels = seq(1, sp), sp+1
		k = w.Shape().Dimensions[1 : sp+1]
	}
	ca := readConvAttrs(a, x.Shape().Dimensions[2:], k)
	bias := append([]int{1, -1}, ones(sp)...)
	if c.nhwc {
		axes.InputSpatial, axes.InputChannels = seq(1, sp), sp+1
		axes.OutputSpatial, axes.OutputChannels = seq(1, sp), sp+1
		x = TransposeAllAxes(x, channelsLast(sp)...)
		bias = append(ones(sp+1), -1)
	}
	y := ConvGeneral(x, w, axes, ca.strides, ca.pads, nil, ca.dilations, a.int("group", 1), 1)
	if len(in) > 2 && in[2] != nil {
		y = Add(y, Reshape(c.n(in[2]), bias...))
	}
	if c.nhwc {
		y = TransposeAllAxes(y, channelsFirst(sp)...)
	}
	return []*value{nodeOf(y)}
}

// opConvTranspose lowers to a convolution over the stride-dilated input with the
// spatially flipped kernel (groups 1; kernel [C_in, C_out, spatial…]).
func opConvTranspose(c *lowerCtx, a attrs, in []*value) []*value {
	x, w := c.n(in[0]), c.n(in[1])
	if g := a.int("group", 1); g != 1 {
		fail("ConvTranspose group %d is not supported", g)
	}
	sp := x.Rank() - 2
	inDims, k := x.Shape().Dimensions[2:], w.Shape().Dimensions[2:]
	strides, dil := a.ints("strides"), a.ints("dilations")
	if strides == nil {
		strides = ones(sp)
	}
	if dil == nil {
		dil = ones(sp)
	}
	outPad := a.ints("output_padding")
	if outPad == nil {
		outPad = make([]int, sp)
	}
	pads := make([][2]int, sp)
	if p := a.ints("pads"); p != nil {
		for i := range sp {
			pads[i] = [2]int{p[i], p[i+sp]}
		}
	}
	autoPad := a.str("auto_pad", "NOTSET")
	if outShape := a.ints("output_shape"); outShape != nil || autoPad == "SAME_UPPER" || autoPad == "SAME_LOWER" {
		for i := range sp {
			want := inDims[i] * strides[i]
			if outShape != nil {
				want = outShape[len(outShape)-sp+i]
			}
			total := max(strides[i]*(inDims[i]-1)+outPad[i]+((k[i]-1)*dil[i]+1)-want, 0)
			if autoPad == "SAME_UPPER" {
				pads[i] = [2]int{total / 2, total - total/2}
			} else {
				pads[i] = [2]int{total - total/2, total / 2}
			}
		}
	}
	convPads := make([][2]int, sp)
	for i := range sp {
		ek := (k[i] - 1) * dil[i]
		convPads[i] = [2]int{ek - pads[i][0], ek - pads[i][1] + outPad[i]}
	}
	wf := reverse(w, seq(2, sp)...)
	axes := nchw(sp)
	axes.KernelInputChannels, axes.KernelOutputChannels = 0, 1
	y := ConvGeneral(x, wf, axes, ones(sp), convPads, strides, dil, 1, 1)
	if len(in) > 2 && in[2] != nil {
		y = Add(y, Reshape(c.n(in[2]), append([]int{1, -1}, ones(sp)...)...))
	}
	return []*value{nodeOf(y)}
}

// opMaxPool / opAveragePool use the backend's reduce-window.
func opMaxPool(c *lowerCtx, a attrs, in []*value) []*value {
	return []*value{nodeOf(pool(c, a, c.n(in[0]), backends.ReduceOpMax))}
}

func opAveragePool(c *lowerCtx, a attrs, in []*value) []*value {
	x := c.n(in[0])
	sum := pool(c, a, x, backends.ReduceOpSum)
	if a.int("count_include_pad", 0) == 1 {
		n := 1
		for _, k := range a.ints("kernel_shape") {
			n *= k
		}
		return []*value{nodeOf(Div(sum, scalarLike(sum, float64(n))))}
	}
	cnt := pool(c, a, OnesLike(x), backends.ReduceOpSum)
	return []*value{nodeOf(Div(sum, cnt))}
}

func pool(c *lowerCtx, a attrs, x *Node, op backends.ReduceOpType) *Node {
	if a.int("ceil_mode", 0) != 0 {
		fail("ceil_mode 1 is not supported")
	}
	k := a.ints("kernel_shape")
	ca := readConvAttrs(a, x.Shape().Dimensions[2:], k)
	win := append([]int{1, 1}, k...)
	strides := append([]int{1, 1}, ca.strides...)
	dil := append([]int{1, 1}, ca.dilations...)
	pads := append([][2]int{{0, 0}, {0, 0}}, ca.pads...)
	return BackendReduceWindow(x, op, win, strides, nil, dil, pads)
}

// opMatMul is numpy matmul: a rank-2 right side contracts without broadcasting
// (the common weights case); otherwise the batch dimensions are broadcast.
func opMatMul(c *lowerCtx, _ attrs, in []*value) []*value {
	x, y := c.n(in[0]), c.n(in[1])
	return []*value{nodeOf(matmul(x, y))}
}

func matmul(x, y *Node) *Node {
	xv, yv := x.Rank() == 1, y.Rank() == 1
	if xv {
		x = Reshape(x, 1, -1)
	}
	if yv {
		y = Reshape(y, -1, 1)
	}
	var out *Node
	if y.Rank() == 2 {
		out = DotGeneral(x, []int{x.Rank() - 1}, nil, y, []int{0}, nil)
	} else {
		xd, yd := x.Shape().Dimensions, y.Shape().Dimensions
		xb := Ones(x.Graph(), shapeMake(x.DType(), xd[:len(xd)-2]...))
		yb := Ones(x.Graph(), shapeMake(x.DType(), yd[:len(yd)-2]...))
		bd := broadcast(xb, yb)[0].Shape().Dimensions
		x = broadcastBatch(x, bd)
		y = broadcastBatch(y, bd)
		nb := len(bd)
		out = DotGeneral(x, []int{nb + 1}, seq(0, nb), y, []int{nb}, seq(0, nb))
	}
	d := out.Shape().Dimensions
	switch {
	case xv && yv:
		out = Reshape(out, d[:len(d)-2]...)
	case xv:
		out = Reshape(out, append(append([]int{}, d[:len(d)-2]...), d[len(d)-1])...)
	case yv:
		out = Reshape(out, d[:len(d)-1]...)
	}
	return out
}

// broadcastBatch gives x (rank ≥ 2) the batch dimensions bd.
func broadcastBatch(x *Node, bd []int) *Node {
	d := x.Shape().Dimensions
	m := d[len(d)-2:]
	want := append(append([]int{}, bd...), m...)
	if equalInts(d, want) {
		return x
	}
	lead := make([]int, len(bd)-(len(d)-2))
	for i := range lead {
		lead[i] = 1
	}
	x = Reshape(x, append(lead, d...)...)
	return BroadcastToDims(x, want...)
}

// opGemm is alpha·A'·B' + beta·C.
func opGemm(c *lowerCtx, a attrs, in []*value) []*value {
	x, y := c.n(in[0]), c.n(in[1])
	xc, yc := 1, 0
	if a.int("transA", 0) == 1 {
		xc = 0
	}
	if a.int("transB", 0) == 1 {
		yc = 1
	}
	out := DotGeneral(x, []int{xc}, nil, y, []int{yc}, nil)
	if alpha := a.float("alpha", 1); alpha != 1 {
		out = Mul(out, scalarLike(out, alpha))
	}
	if len(in) > 2 && in[2] != nil {
		b := c.n(in[2])
		if beta := a.float("beta", 1); beta != 1 {
			b = Mul(b, scalarLike(b, beta))
		}
		bb := broadcast(out, b)
		out = Add(bb[0], bb[1])
	}
	return []*value{nodeOf(out)}
}
