package sdconv

import (
	"fmt"
	"math"
)

// Blocks of diffusers' UNet2DConditionModel: transformers/transformer_2d.py
// (Transformer2DModel), attention.py (BasicTransformerBlock, FeedForward with GEGLU),
// attention_processor.py (Attention), embeddings.py (Timesteps, TimestepEmbedding).

// timestepFreqs are get_timestep_embedding's frequencies exp(−ln(10000)·i/(half−shift)),
// computed in float32 in the order torch does.
func timestepFreqs(dim int64, shift float64) []float32 {
	half := dim / 2
	out := make([]float32, half)
	l := float32(-math.Log(10000))
	for i := range half {
		e := l * float32(i)
		e /= float32(float64(half) - shift)
		out[i] = float32(math.Exp(float64(e)))
	}
	return out
}

// timestepEmbedding is diffusers' Timesteps: t [N] → [N,dim] sinusoids, computed in
// float32 (as diffusers does before casting to the UNet's dtype).
func (g *graph) timestepEmbedding(t string, dim int64, flip bool, shift float64) string {
	if dim%2 != 0 {
		g.errs = append(g.errs, fmt.Errorf("%w: odd timestep embedding width %d", ErrConfig, dim))
	}
	freqs := timestepFreqs(dim, shift)
	name := g.tmp("timestep_freqs")
	g.inits = append(g.inits, &initializer{name: name, dims: []int64{dim / 2}, elem: f32, bytes: 2 * dim,
		load: func() ([]float32, error) { return freqs, nil }})
	tf := t
	if g.dt != f32 {
		tf = g.cast(t, f32)
	}
	arg := g.op("Mul", g.op("Unsqueeze", tf, g.ints(1)), name)
	sin, cos := g.op("Sin", arg), g.op("Cos", arg)
	first, second := sin, cos
	if flip {
		first, second = cos, sin
	}
	e := g.node("Concat", "", []string{first, second}, attrInt("axis", -1))
	if g.dt != f32 {
		e = g.cast(e, g.dt)
	}
	return e
}

// mlpEmbedding is TimestepEmbedding: linear_1 → SiLU → linear_2.
func (g *graph) mlpEmbedding(x, p string, in, out int64) string {
	return g.linear(g.silu(g.linear(x, p+".linear_1", in, out, true)), p+".linear_2", out, out, true)
}

// crossAttention is diffusers' Attention: to_q/to_k/to_v without bias, to_out.0 with bias.
// With ctx "" it is self-attention.
func (g *graph) crossAttention(x, ctx, p string, dim, ctxDim, heads int64) string {
	if ctx == "" {
		ctx = x
	}
	q := g.linear(x, p+".to_q", dim, dim, false)
	k := g.linear(ctx, p+".to_k", ctxDim, dim, false)
	v := g.linear(ctx, p+".to_v", ctxDim, dim, false)
	return g.linear(g.attention(q, k, v, heads, dim/heads, ""), p+".to_out.0", dim, dim, true)
}

// basicTransformerBlock: self-attention, cross-attention, GEGLU feed-forward, each
// after a LayerNorm (eps 1e-5) and added to the residual.
func (g *graph) basicTransformerBlock(h, ctx, p string, dim, ctxDim, heads int64) string {
	h = g.op("Add", h, g.crossAttention(g.layerNorm(h, p+".norm1", dim, 1e-5), "", p+".attn1", dim, dim, heads))
	h = g.op("Add", h, g.crossAttention(g.layerNorm(h, p+".norm2", dim, 1e-5), ctx, p+".attn2", dim, ctxDim, heads))
	x := g.layerNorm(h, p+".norm3", dim, 1e-5)
	inner := 4 * dim
	proj := g.linear(x, p+".ff.net.0.proj", dim, 2*inner, true)
	hidden := g.op("Slice", proj, g.ints(0), g.ints(inner), g.ints(-1))
	gate := g.op("Slice", proj, g.ints(inner), g.ints(2*inner), g.ints(-1))
	x = g.linear(g.op("Mul", hidden, g.gelu(gate)), p+".ff.net.2", inner, dim, true)
	return g.op("Add", h, x)
}

// transformer2D is Transformer2DModel on [B,C,H,W] with layers BasicTransformerBlocks
// (GroupNorm eps 1e-6; linear or 1×1-convolution proj_in/proj_out).
func (g *graph) transformer2D(x, ctx, p string, c, ctxDim, heads, layers, groups int64, linearProj bool) string {
	h := g.groupNorm(x, p+".norm", groups, c, 1e-6)
	if linearProj {
		h = g.linear(g.toTokens(h, c), p+".proj_in", c, c, true)
	} else {
		h = g.toTokens(g.conv(h, p+".proj_in", c, c, 1, 1, 0, 0, 0, 0), c)
	}
	for l := range layers {
		h = g.basicTransformerBlock(h, ctx, fmt.Sprintf("%s.transformer_blocks.%d", p, l), c, ctxDim, heads)
	}
	if linearProj {
		h = g.fromTokens(g.linear(h, p+".proj_out", c, c, true), x)
	} else {
		h = g.conv(g.fromTokens(h, x), p+".proj_out", c, c, 1, 1, 0, 0, 0, 0)
	}
	return g.op("Add", h, x)
}
