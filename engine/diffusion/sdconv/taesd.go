package sdconv

import "fmt"

// TAESD mirrors diffusers' AutoencoderTiny (models/autoencoders/autoencoder_tiny.py
// with EncoderTiny, DecoderTiny and AutoencoderTinyBlock from vae.py / unets): ReLU
// blocks of three 3×3 convolutions with a skip, stride-2 convolutions down, nearest
// 2× upsampling up; the encoder maps [-1,1] to [0,1] first, the decoder soft-clamps
// latents with tanh(x/3)·3 and maps its output back to [-1,1].

// TAESDConfig is the part of AutoencoderTiny's config that shapes the graph.
type TAESDConfig struct {
	InChannels       int64   `json:"in_channels"`
	OutChannels      int64   `json:"out_channels"`
	LatentChannels   int64   `json:"latent_channels"`
	EncoderChannels  []int64 `json:"encoder_block_out_channels"`
	DecoderChannels  []int64 `json:"decoder_block_out_channels"`
	NumEncoderBlocks []int64 `json:"num_encoder_blocks"`
	NumDecoderBlocks []int64 `json:"num_decoder_blocks"`
	ActFn            string  `json:"act_fn"`
	UpsampleFn       string  `json:"upsample_fn"`
	UpsamplingFactor int64   `json:"upsampling_scaling_factor"`
}

// DefaultTAESD is AutoencoderTiny's default config (madebyollin/taesdxl uses it).
func DefaultTAESD() TAESDConfig {
	return TAESDConfig{InChannels: 3, OutChannels: 3, LatentChannels: 4, EncoderChannels: []int64{64, 64, 64, 64},
		DecoderChannels: []int64{64, 64, 64, 64}, NumEncoderBlocks: []int64{1, 3, 3, 3}, NumDecoderBlocks: []int64{3, 3, 3, 1},
		ActFn: "relu", UpsampleFn: "nearest", UpsamplingFactor: 2}
}

func (c TAESDConfig) check() error {
	if len(c.EncoderChannels) != len(c.NumEncoderBlocks) || len(c.DecoderChannels) != len(c.NumDecoderBlocks) || len(c.EncoderChannels) == 0 || len(c.DecoderChannels) == 0 {
		return fmt.Errorf("%w: AutoencoderTiny block lists of different lengths", ErrConfig)
	}
	if c.ActFn != "relu" || c.UpsampleFn != "nearest" || c.UpsamplingFactor != 2 {
		return fmt.Errorf("%w: AutoencoderTiny act_fn %q, upsample_fn %q, factor %d (relu, nearest, 2 are supported)", ErrConfig, c.ActFn, c.UpsampleFn, c.UpsamplingFactor)
	}
	return nil
}

// convNoBias is a bias-free Conv2d.
func (g *graph) convNoBias(x, prefix string, in, out, k, s int64) string {
	p := k / 2
	return g.node("Conv", "", []string{x, g.param(prefix+".weight", out, in, k, k)}, attrInts("kernel_shape", k, k),
		attrInts("strides", s, s), attrInts("pads", p, p, p, p), attrInts("dilations", 1, 1), attrInt("group", 1))
}

// tinyBlock is AutoencoderTinyBlock(c, c): relu(conv(relu(conv(relu(conv(x))))) + x).
func (g *graph) tinyBlock(x, p string, c int64) string {
	h := g.op("Relu", g.conv(x, p+".conv.0", c, c, 3, 1))
	h = g.op("Relu", g.conv(h, p+".conv.2", c, c, 3, 1))
	h = g.conv(h, p+".conv.4", c, c, 3, 1)
	return g.op("Relu", g.op("Add", h, x))
}

// buildTAESDEncoder: sample [B,3,H,W] in [-1,1] → latent_sample [B,4,H/8,W/8].
func buildTAESDEncoder(src Source, c TAESDConfig, fp16 bool) (*graph, error) {
	if err := c.check(); err != nil {
		return nil, err
	}
	g := newGraph("taesd_encoder", src, fp16)
	x := g.input("sample", 0, "batch_size", c.InChannels, "height", "width")
	h := g.op("Div", g.op("Add", x, g.scalar(1)), g.scalar(2))
	idx := 0
	next := func() string { s := fmt.Sprintf("encoder.layers.%d", idx); idx++; return s }
	for i, n := range c.NumEncoderBlocks {
		ch := c.EncoderChannels[i]
		if i == 0 {
			h = g.conv(h, next(), c.InChannels, ch, 3, 1)
		} else {
			h = g.convNoBias(h, next(), ch, ch, 3, 2)
		}
		for range n {
			h = g.tinyBlock(h, next(), ch)
		}
	}
	h = g.conv(h, next(), c.EncoderChannels[len(c.EncoderChannels)-1], c.LatentChannels, 3, 1)
	g.output("latent_sample", h, "batch_size", c.LatentChannels, "latent_height", "latent_width")
	return g, nil
}

// buildTAESDDecoder: latent_sample [B,4,h,w] → sample [B,3,8h,8w] in about [-1,1].
func buildTAESDDecoder(src Source, c TAESDConfig, fp16 bool) (*graph, error) {
	if err := c.check(); err != nil {
		return nil, err
	}
	g := newGraph("taesd_decoder", src, fp16)
	z := g.input("latent_sample", 0, "batch_size", c.LatentChannels, "latent_height", "latent_width")
	h := g.op("Mul", g.op("Tanh", g.op("Div", z, g.scalar(3))), g.scalar(3))
	idx := 0
	next := func() string { s := fmt.Sprintf("decoder.layers.%d", idx); idx++; return s }
	h = g.op("Relu", g.conv(h, next(), c.LatentChannels, c.DecoderChannels[0], 3, 1))
	idx++ // the ReLU is layers.1
	last := len(c.NumDecoderBlocks) - 1
	for i, n := range c.NumDecoderBlocks {
		ch := c.DecoderChannels[i]
		for range n {
			h = g.tinyBlock(h, next(), ch)
		}
		if i < last {
			h = g.upsample2x(h)
			idx++ // nn.Upsample has no weights
			h = g.convNoBias(h, next(), ch, ch, 3, 1)
		} else {
			h = g.conv(h, next(), ch, c.OutChannels, 3, 1)
		}
	}
	h = g.op("Sub", g.op("Mul", h, g.scalar(2)), g.scalar(1))
	g.output("sample", h, "batch_size", c.OutChannels, "height", "width")
	return g, nil
}
