package sdconv

import "fmt"

// VAE graphs mirror diffusers' models/autoencoders/vae.py (Encoder, Decoder),
// autoencoder_kl.py (quant_conv, post_quant_conv), resnet.py (ResnetBlock2D) and the
// Attention of unet_2d_blocks.py's UNetMidBlock2D. GroupNorm eps is 1e-6 throughout.

const vaeEps = 1e-6

// resnet is diffusers' ResnetBlock2D (time_embedding_norm "default", output scale 1);
// temb is the already SiLU-activated time embedding of width tembDim, or "".
func (g *graph) resnet(x, p string, in, out, groups int64, eps float32, temb string, tembDim int64) string {
	h := g.conv(g.silu(g.groupNorm(x, p+".norm1", groups, in, eps)), p+".conv1", in, out, 3, 1)
	if temb != "" {
		t := g.linear(temb, p+".time_emb_proj", tembDim, out, true)
		h = g.op("Add", h, g.op("Unsqueeze", t, g.ints(2, 3)))
	}
	h = g.conv(g.silu(g.groupNorm(h, p+".norm2", groups, out, eps)), p+".conv2", out, out, 3, 1)
	if in != out {
		x = g.conv(x, p+".conv_shortcut", in, out, 1, 1, 0, 0, 0, 0)
	}
	return g.op("Add", x, h)
}

// vaeAttention is the single-head spatial self-attention of the VAE's mid block.
func (g *graph) vaeAttention(x, p string, c, groups int64) string {
	t := g.toTokens(g.groupNorm(x, p+".group_norm", groups, c, vaeEps), c)
	q := g.linear(t, p+".to_q", c, c, true)
	k := g.linear(t, p+".to_k", c, c, true)
	v := g.linear(t, p+".to_v", c, c, true)
	o := g.linear(g.attention(q, k, v, 1, c, ""), p+".to_out.0", c, c, true)
	return g.op("Add", x, g.fromTokens(o, x))
}

func (g *graph) vaeMid(x, p string, c *VAEConfig, ch int64) string {
	x = g.resnet(x, p+".resnets.0", ch, ch, c.NormNumGroups, vaeEps, "", 0)
	if c.MidBlockAttn {
		x = g.vaeAttention(x, p+".attentions.0", ch, c.NormNumGroups)
	}
	return g.resnet(x, p+".resnets.1", ch, ch, c.NormNumGroups, vaeEps, "", 0)
}

// buildVAEDecoder: latent_sample [B,latent,h,w] → sample [B,out,8h,8w] (Optimum's vae_decoder).
func buildVAEDecoder(src Source, c VAEConfig, fp16 bool) (*graph, error) {
	if err := c.check(); err != nil {
		return nil, err
	}
	g := newGraph("vae_decoder", src, fp16)
	z := g.input("latent_sample", 0, "batch_size", c.LatentChannels, "latent_height", "latent_width")
	if c.UsePostQuantConv {
		z = g.conv(z, "post_quant_conv", c.LatentChannels, c.LatentChannels, 1, 1, 0, 0, 0, 0)
	}
	n := len(c.BlockOutChannels)
	top := c.BlockOutChannels[n-1]
	h := g.conv(z, "decoder.conv_in", c.LatentChannels, top, 3, 1)
	h = g.vaeMid(h, "decoder.mid_block", &c, top)
	prev := top
	for i := range n {
		out := c.BlockOutChannels[n-1-i]
		for j := range c.LayersPerBlock + 1 {
			in := out
			if j == 0 {
				in = prev
			}
			h = g.resnet(h, fmt.Sprintf("decoder.up_blocks.%d.resnets.%d", i, j), in, out, c.NormNumGroups, vaeEps, "", 0)
		}
		if i < n-1 {
			h = g.conv(g.upsample2x(h), fmt.Sprintf("decoder.up_blocks.%d.upsamplers.0.conv", i), out, out, 3, 1)
		}
		prev = out
	}
	h = g.silu(g.groupNorm(h, "decoder.conv_norm_out", c.NormNumGroups, c.BlockOutChannels[0], vaeEps))
	h = g.conv(h, "decoder.conv_out", c.BlockOutChannels[0], c.OutChannels, 3, 1)
	g.output("sample", h, "batch_size", c.OutChannels, "height", "width")
	return g, nil
}

// buildVAEEncoder: sample [B,in,H,W] → latent_parameters [B,2·latent,H/8,W/8]: the
// mean then the log-variance (quant_conv of the encoder output; Optimum's vae_encoder).
func buildVAEEncoder(src Source, c VAEConfig, fp16 bool) (*graph, error) {
	if err := c.check(); err != nil {
		return nil, err
	}
	g := newGraph("vae_encoder", src, fp16)
	x := g.input("sample", 0, "batch_size", c.InChannels, "height", "width")
	n := len(c.BlockOutChannels)
	h := g.conv(x, "encoder.conv_in", c.InChannels, c.BlockOutChannels[0], 3, 1)
	prev := c.BlockOutChannels[0]
	for i, out := range c.BlockOutChannels {
		for j := range c.LayersPerBlock {
			in := out
			if j == 0 {
				in = prev
			}
			h = g.resnet(h, fmt.Sprintf("encoder.down_blocks.%d.resnets.%d", i, j), in, out, c.NormNumGroups, vaeEps, "", 0)
		}
		if i < n-1 {
			// Downsample2D(padding=0): F.pad(x, (0,1,0,1)) then a stride-2 convolution.
			h = g.conv(h, fmt.Sprintf("encoder.down_blocks.%d.downsamplers.0.conv", i), out, out, 3, 2, 0, 0, 1, 1)
		}
		prev = out
	}
	top := c.BlockOutChannels[n-1]
	h = g.vaeMid(h, "encoder.mid_block", &c, top)
	h = g.silu(g.groupNorm(h, "encoder.conv_norm_out", c.NormNumGroups, top, vaeEps))
	h = g.conv(h, "encoder.conv_out", top, 2*c.LatentChannels, 3, 1)
	if c.UseQuantConv {
		h = g.conv(h, "quant_conv", 2*c.LatentChannels, 2*c.LatentChannels, 1, 1, 0, 0, 0, 0)
	}
	g.output("latent_parameters", h, "batch_size", 2*c.LatentChannels, "latent_height", "latent_width")
	return g, nil
}
