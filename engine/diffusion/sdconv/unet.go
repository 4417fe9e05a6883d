package sdconv

import (
	"fmt"
	"slices"
)

// buildUNet mirrors diffusers' UNet2DConditionModel.forward (unet_2d_condition.py) for
// DownBlock2D / CrossAttnDownBlock2D / UNetMidBlock2DCrossAttn / UpBlock2D /
// CrossAttnUpBlock2D, with SDXL's text_time added embedding when configured. I/O as
// Optimum exports it: sample, timestep [steps], encoder_hidden_states (+ text_embeds,
// time_ids) → out_sample.
func buildUNet(src Source, c UNetConfig, fp16 bool) (*graph, error) {
	p, err := c.plan()
	if err != nil {
		return nil, err
	}
	g := newGraph("unet", src, fp16)
	g.upcastAttention = c.UpcastAttention
	boc, n := c.BlockOutChannels, p.n
	groups, eps := c.NormNumGroups, float32(c.NormEps)
	sample := g.input("sample", 0, "batch_size", c.InChannels, "height", "width")
	ts := g.input("timestep", 0, "steps")
	ctx := g.input("encoder_hidden_states", 0, "batch_size", "sequence_length", p.ctxDim)

	emb := g.mlpEmbedding(g.timestepEmbedding(ts, boc[0], c.FlipSinToCos, c.FreqShift), "time_embedding", boc[0], p.timeDim)
	if p.textTime {
		textDim := c.ProjectionClassEmbeddingsInputDim - 6*p.addTimeDim
		text := g.input("text_embeds", 0, "batch_size", textDim)
		ids := g.input("time_ids", 0, "batch_size", 6)
		te := g.timestepEmbedding(g.op("Reshape", ids, g.ints(-1)), p.addTimeDim, c.FlipSinToCos, c.FreqShift)
		te = g.op("Reshape", te, g.ints(-1, 6*p.addTimeDim))
		add := g.node("Concat", "", []string{text, te}, attrInt("axis", -1))
		emb = g.op("Add", emb, g.mlpEmbedding(add, "add_embedding", c.ProjectionClassEmbeddingsInputDim, p.timeDim))
	}
	temb := g.silu(emb)
	resnet := func(h, name string, in, out int64) string {
		return g.resnet(h, name, in, out, groups, eps, temb, p.timeDim)
	}
	attn := func(h, name string, ch, heads, layers int64) string {
		return g.transformer2D(h, ctx, name, ch, p.ctxDim, heads, layers, groups, c.UseLinearProjection)
	}

	h := g.conv(sample, "conv_in", c.InChannels, boc[0], 3, 1)
	skips, skipCh := []string{h}, []int64{boc[0]}
	for i := range n {
		in, out := boc[max(i-1, 0)], boc[i]
		cross := c.DownBlockTypes[i] == "CrossAttnDownBlock2D"
		for j := range p.layers[i] {
			rin := out
			if j == 0 {
				rin = in
			}
			h = resnet(h, fmt.Sprintf("down_blocks.%d.resnets.%d", i, j), rin, out)
			if cross {
				h = attn(h, fmt.Sprintf("down_blocks.%d.attentions.%d", i, j), out, p.heads[i], p.tl[i])
			}
			skips, skipCh = append(skips, h), append(skipCh, out)
		}
		if i < n-1 {
			h = g.conv(h, fmt.Sprintf("down_blocks.%d.downsamplers.0.conv", i), out, out, 3, 2)
			skips, skipCh = append(skips, h), append(skipCh, out)
		}
	}

	top := boc[n-1]
	h = resnet(h, "mid_block.resnets.0", top, top)
	h = attn(h, "mid_block.attentions.0", top, p.heads[n-1], p.tl[n-1])
	h = resnet(h, "mid_block.resnets.1", top, top)

	rev := slices.Clone(boc)
	slices.Reverse(rev)
	revLayers, revHeads, revTL := slices.Clone(p.layers), slices.Clone(p.heads), slices.Clone(p.tl)
	slices.Reverse(revLayers)
	slices.Reverse(revHeads)
	slices.Reverse(revTL)
	prev := rev[0]
	for i := range n {
		out := rev[i]
		cross := c.UpBlockTypes[i] == "CrossAttnUpBlock2D"
		for j := range revLayers[i] + 1 {
			if len(skips) == 0 {
				return nil, fmt.Errorf("%w: UNet up blocks use more skip connections than the down blocks make", ErrConfig)
			}
			skip, sc := skips[len(skips)-1], skipCh[len(skipCh)-1]
			skips, skipCh = skips[:len(skips)-1], skipCh[:len(skipCh)-1]
			rin := out
			if j == 0 {
				rin = prev
			}
			h = g.node("Concat", "", []string{h, skip}, attrInt("axis", 1))
			h = resnet(h, fmt.Sprintf("up_blocks.%d.resnets.%d", i, j), rin+sc, out)
			if cross {
				h = attn(h, fmt.Sprintf("up_blocks.%d.attentions.%d", i, j), out, revHeads[i], revTL[i])
			}
		}
		if i < n-1 {
			h = g.conv(g.upsample2x(h), fmt.Sprintf("up_blocks.%d.upsamplers.0.conv", i), out, out, 3, 1)
		}
		prev = out
	}
	h = g.silu(g.groupNorm(h, "conv_norm_out", groups, boc[0], eps))
	h = g.conv(h, "conv_out", boc[0], c.OutChannels, 3, 1)
	g.output("out_sample", h, "batch_size", c.OutChannels, "height", "width")
	return g, nil
}
