package sdconv

import (
	"fmt"
	"math"
)

// Building blocks in torch's semantics, lowered to opset-17 ops as torch's ONNX
// exporter does (GroupNorm as InstanceNormalization on [N,G,-1], GELU through Erf).

// transpose2 turns a [rows,cols] row-major matrix into [cols,rows], in tiles that
// stay in cache (a 1280×10240 weight transposed element by element misses on every write).
func transpose2(rows, cols int64) func([]float32) []float32 {
	const tile = 32
	return func(v []float32) []float32 {
		out := make([]float32, len(v))
		for r0 := int64(0); r0 < rows; r0 += tile {
			r1 := min(r0+tile, rows)
			for c0 := int64(0); c0 < cols; c0 += tile {
				for c := c0; c < min(c0+tile, cols); c++ {
					dst := out[c*rows+r0 : c*rows+r1]
					src := v[r0*cols+c:]
					for k := range dst {
						dst[k] = src[int64(k)*cols]
					}
				}
			}
		}
		return out
	}
}

// linear is torch.nn.Linear: x @ weightᵀ + bias (weight [out,in] stored transposed).
func (g *graph) linear(x, prefix string, in, out int64, bias bool) string {
	w := g.weight(prefix+".weight", []int64{out, in}, []int64{in, out}, transpose2(out, in))
	y := g.op("MatMul", x, w)
	if bias {
		y = g.op("Add", y, g.param(prefix+".bias", out))
	}
	return y
}

// conv is torch.nn.Conv2d with square kernel k, stride s and padding pads (top, left, bottom, right).
func (g *graph) conv(x, prefix string, in, out, k, s int64, pads ...int64) string {
	if len(pads) == 0 {
		p := k / 2
		pads = []int64{p, p, p, p}
	}
	w := g.param(prefix+".weight", out, in, k, k)
	b := g.param(prefix+".bias", out)
	return g.node("Conv", "", []string{x, w, b}, attrInts("kernel_shape", k, k), attrInts("strides", s, s),
		attrInts("pads", pads...), attrInts("dilations", 1, 1), attrInt("group", 1))
}

// groupNorm is torch.nn.GroupNorm(groups, c, eps) with affine weights under prefix.
func (g *graph) groupNorm(x, prefix string, groups, c int64, eps float32) string {
	if groups <= 0 || c%groups != 0 {
		g.errs = append(g.errs, fmt.Errorf("%w: %s: %d channels in %d groups", ErrConfig, prefix, c, groups))
		groups = 1
	}
	ones := make([]float32, groups)
	for i := range ones {
		ones[i] = 1
	}
	r := g.op("Reshape", x, g.ints(0, groups, -1))
	n := g.node("InstanceNormalization", "", []string{r, g.constant(g.tmp("gn_scale"), ones, groups),
		g.constant(g.tmp("gn_bias"), make([]float32, groups), groups)}, attrFloat("epsilon", eps))
	back := g.op("Reshape", n, g.op("Shape", x))
	w := g.weight(prefix+".weight", []int64{c}, []int64{c, 1, 1}, nil)
	b := g.weight(prefix+".bias", []int64{c}, []int64{c, 1, 1}, nil)
	return g.op("Add", g.op("Mul", back, w), b)
}

// layerNorm is torch.nn.LayerNorm(c, eps) over the last axis.
func (g *graph) layerNorm(x, prefix string, c int64, eps float32) string {
	return g.node("LayerNormalization", "", []string{x, g.param(prefix+".weight", c), g.param(prefix+".bias", c)},
		attrInt("axis", -1), attrFloat("epsilon", eps))
}

func (g *graph) silu(x string) string { return g.op("Mul", x, g.op("Sigmoid", x)) }

// gelu is the exact (erf) GELU of torch.nn.functional.gelu and transformers' "gelu".
func (g *graph) gelu(x string) string {
	e := g.op("Erf", g.op("Mul", x, g.scalar(float32(1/math.Sqrt2))))
	return g.op("Mul", g.op("Mul", x, g.scalar(0.5)), g.op("Add", e, g.scalar(1)))
}

// quickGelu is transformers' "quick_gelu": x·sigmoid(1.702x) (OpenAI CLIP).
func (g *graph) quickGelu(x string) string {
	return g.op("Mul", x, g.op("Sigmoid", g.op("Mul", x, g.scalar(1.702))))
}

func (g *graph) act(x, name string) string {
	switch name {
	case "gelu":
		return g.gelu(x)
	case "quick_gelu":
		return g.quickGelu(x)
	case "silu", "swish":
		return g.silu(x)
	}
	g.errs = append(g.errs, fmt.Errorf("%w: activation %q", ErrConfig, name))
	return x
}

// attention is multi-head scaled dot-product attention of q [B,Sq,H·D] over k, v
// [B,Sk,H·D] with scale D^-½ (torch SDPA, transformers' CLIPAttention); mask, when
// set, is added to the scores before the softmax.
func (g *graph) attention(q, k, v string, heads, headDim int64, mask string) string {
	if g.upcastAttention && g.dt == f16 && mask == "" {
		g.dt = f32
		o := g.attention(g.cast(q, f32), g.cast(k, f32), g.cast(v, f32), heads, headDim, "")
		g.dt = f16
		return g.cast(o, f16)
	}
	split := g.ints(0, 0, heads, headDim)
	qh := g.node("Transpose", "", []string{g.op("Reshape", q, split)}, attrInts("perm", 0, 2, 1, 3))
	kh := g.node("Transpose", "", []string{g.op("Reshape", k, split)}, attrInts("perm", 0, 2, 3, 1))
	vh := g.node("Transpose", "", []string{g.op("Reshape", v, split)}, attrInts("perm", 0, 2, 1, 3))
	// scaling q before the product keeps float16 scores in range (as fused attention kernels do)
	s := g.op("MatMul", g.op("Mul", qh, g.scalar(float32(1/math.Sqrt(float64(headDim))))), kh)
	if mask != "" {
		s = g.op("Add", s, mask)
	}
	p := g.node("Softmax", "", []string{s}, attrInt("axis", -1))
	o := g.node("Transpose", "", []string{g.op("MatMul", p, vh)}, attrInts("perm", 0, 2, 1, 3))
	return g.op("Reshape", o, g.ints(0, 0, heads*headDim))
}

// upsample2x is F.interpolate(scale_factor=2, mode="nearest") as torch exports it.
func (g *graph) upsample2x(x string) string {
	scales := g.tmp("scales")
	g.inits = append(g.inits, &initializer{name: scales, dims: []int64{4}, elem: f32, bytes: 16,
		load: func() ([]float32, error) { return []float32{1, 1, 2, 2}, nil }})
	return g.node("Resize", "", []string{x, "", scales}, attrStr("mode", "nearest"),
		attrStr("coordinate_transformation_mode", "asymmetric"), attrStr("nearest_mode", "floor"))
}

// toTokens turns [B,C,H,W] into [B,H·W,C]; fromTokens undoes it given the [B,C,H,W] original.
func (g *graph) toTokens(x string, c int64) string {
	return g.op("Reshape", g.node("Transpose", "", []string{x}, attrInts("perm", 0, 2, 3, 1)), g.ints(0, -1, c))
}

func (g *graph) fromTokens(t, like string) string {
	shape := g.op("Shape", like) // [B,C,H,W]
	nhwc := g.node("Gather", "", []string{shape, g.ints(0, 2, 3, 1)}, attrInt("axis", 0))
	return g.node("Transpose", "", []string{g.op("Reshape", t, nhwc)}, attrInts("perm", 0, 3, 1, 2))
}
