package xla

import (
	"fmt"
	"os"

	"github.com/vivid-ml/vivid-ml-engine/onnx/onnxpb"
)

// ConvLayoutEnv is the environment variable Config.ConvLayout defaults to.
const ConvLayoutEnv = "VIVID_XLA_CONV"

// Conv layouts (Config.ConvLayout).
const (
	// ConvNCHW lowers Conv in ONNX's own layout: activations [N, C, spatial…],
	// kernels [O, I/groups, spatial…] as stored in the file. The default.
	ConvNCHW = "nchw"
	// ConvNHWC is an experiment for GPU convolutions: each Conv transposes its
	// input to channels-last, convolves and transposes back (for XLA to fold), and
	// kernels that only Conv reads live on the device as [O, spatial…, I/groups].
	ConvNHWC = "nhwc"
)

// resolveConvLayout returns the layout to use: layout, else $VIVID_XLA_CONV, else nchw.
func resolveConvLayout(layout string) (string, error) {
	from := "conv layout"
	if layout == "" {
		layout, from = os.Getenv(ConvLayoutEnv), ConvLayoutEnv
	}
	switch layout {
	case "", ConvNCHW:
		return ConvNCHW, nil
	case ConvNHWC:
		return ConvNHWC, nil
	}
	return "", fmt.Errorf("xla: %s %q: want %s or %s", from, layout, ConvNCHW, ConvNHWC)
}

// convKernels names the float initializers of rank ≥ 3 that the graph reads only as
// input 1 (the kernel) of top-level Conv nodes: those the nhwc layout may store OHWI.
// Any other use (another op, another input slot, a graph output, a subgraph) keeps
// an initializer as it is.
func convKernels(om *onnxModel) map[string]bool {
	conv, other := map[string]bool{}, map[string]bool{}
	var walk func(g *onnxpb.GraphProto, top bool)
	walk = func(g *onnxpb.GraphProto, top bool) {
		for _, nd := range g.GetNode() {
			d := nd.GetDomain()
			isConv := top && nd.GetOpType() == "Conv" && (d == "" || d == "ai.onnx")
			for i, name := range nd.GetInput() {
				if isConv && i == 1 {
					conv[name] = true
				} else {
					other[name] = true
				}
			}
			for _, a := range nd.GetAttribute() {
				if a.GetG() != nil {
					walk(a.GetG(), false)
				}
				for _, sg := range a.GetGraphs() {
					walk(sg, false)
				}
			}
		}
		for _, o := range g.GetOutput() {
			other[o.GetName()] = true
		}
	}
	walk(om.graph, true)
	out := map[string]bool{}
	for name := range conv {
		h, ok := om.consts[name]
		if ok && !other[name] && len(h.dims) >= 3 && (h.f32 != nil || h.f16 != nil) {
			out[name] = true
		}
	}
	return out
}

// toOHWI reorders a host kernel [O, I, spatial…] to [O, spatial…, I] in place of its
// data (float32 or float16 bits alike).
func toOHWI(h *hostT) {
	o, c, s := h.dims[0], h.dims[1], 1
	for _, d := range h.dims[2:] {
		s *= d
	}
	switch {
	case h.f32 != nil:
		h.f32 = channelsLastData(h.f32, o, c, s)
	case h.f16 != nil:
		h.f16 = channelsLastData(h.f16, o, c, s)
	}
	h.dims = append(append([]int{o}, h.dims[2:]...), c)
}

// channelsLastData moves axis 1 (c) of row-major [o, c, s] data last: [o, s, c].
func channelsLastData[T any](src []T, o, c, s int) []T {
	dst := make([]T, len(src))
	for i := range o {
		for j := range c {
			for p := range s {
				dst[(i*s+p)*c+j] = src[(i*c+j)*s+p]
			}
		}
	}
	return dst
}

// channelsLast is the permutation [N, C, spatial…] → [N, spatial…, C].
func channelsLast(sp int) []int { return append(append([]int{0}, seq(2, sp)...), 1) }

// channelsFirst is the permutation [N, spatial…, C] → [N, C, spatial…].
func channelsFirst(sp int) []int { return append([]int{0, sp + 1}, seq(1, sp)...) }
