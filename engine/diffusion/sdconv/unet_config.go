package sdconv

import (
	"encoding/json"
	"fmt"
	"slices"
)

// intList is a config value diffusers accepts as one int or one per block.
type intList []int64

// UnmarshalJSON accepts a number, a list of numbers or null.
func (l *intList) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		*l = nil
		return nil
	}
	var n int64
	if err := json.Unmarshal(b, &n); err == nil {
		*l = intList{n}
		return nil
	}
	var v []int64
	if err := json.Unmarshal(b, &v); err != nil {
		return fmt.Errorf("want a number or a list of numbers: %w", err)
	}
	*l = v
	return nil
}

// per expands l to n values (one value repeated), or errs.
func (l intList) per(what string, n int) ([]int64, error) {
	switch len(l) {
	case 1:
		return slices.Repeat([]int64{l[0]}, n), nil
	case n:
		return slices.Clone(l), nil
	}
	return nil, fmt.Errorf("%w: UNet %s has %d values for %d blocks", ErrConfig, what, len(l), n)
}

// UNetConfig is the part of diffusers' UNet2DConditionModel config that shapes the graph.
type UNetConfig struct {
	InChannels                        int64    `json:"in_channels"`
	OutChannels                       int64    `json:"out_channels"`
	BlockOutChannels                  []int64  `json:"block_out_channels"`
	LayersPerBlock                    intList  `json:"layers_per_block"`
	AttentionHeadDim                  intList  `json:"attention_head_dim"`
	NumAttentionHeads                 intList  `json:"num_attention_heads"`
	TransformerLayersPerBlock         intList  `json:"transformer_layers_per_block"`
	CrossAttentionDim                 intList  `json:"cross_attention_dim"`
	DownBlockTypes                    []string `json:"down_block_types"`
	UpBlockTypes                      []string `json:"up_block_types"`
	MidBlockType                      *string  `json:"mid_block_type"`
	UseLinearProjection               bool     `json:"use_linear_projection"`
	AdditionEmbedType                 *string  `json:"addition_embed_type"`
	AdditionTimeEmbedDim              int64    `json:"addition_time_embed_dim"`
	ProjectionClassEmbeddingsInputDim int64    `json:"projection_class_embeddings_input_dim"`
	NormNumGroups                     int64    `json:"norm_num_groups"`
	NormEps                           float64  `json:"norm_eps"`
	FlipSinToCos                      bool     `json:"flip_sin_to_cos"`
	FreqShift                         float64  `json:"freq_shift"`
	ClassEmbedType                    *string  `json:"class_embed_type"`
	TimeEmbeddingType                 string   `json:"time_embedding_type"`
	ResnetTimeScaleShift              string   `json:"resnet_time_scale_shift"`
	UpcastAttention                   bool     `json:"upcast_attention"`
	OnlyCrossAttention                any      `json:"only_cross_attention"`
	DualCrossAttention                bool     `json:"dual_cross_attention"`
	ReverseTransformerLayersPerBlock  any      `json:"reverse_transformer_layers_per_block"`
	EncoderHidProj                    any      `json:"encoder_hid_dim"`
	TimeCondProjDim                   any      `json:"time_cond_proj_dim"`
	ConvInKernel                      int64    `json:"conv_in_kernel"`
	ConvOutKernel                     int64    `json:"conv_out_kernel"`
	ClassEmbeddingsConcat             bool     `json:"class_embeddings_concat"`
}

func strp(s string) *string { return &s }

// DefaultSDXLUNet is SDXL's UNet (FACTS.md "Real SDXL configs").
func DefaultSDXLUNet() UNetConfig {
	return UNetConfig{InChannels: 4, OutChannels: 4, BlockOutChannels: []int64{320, 640, 1280},
		LayersPerBlock: intList{2}, AttentionHeadDim: intList{5, 10, 20}, TransformerLayersPerBlock: intList{1, 2, 10},
		CrossAttentionDim: intList{2048}, DownBlockTypes: []string{"DownBlock2D", "CrossAttnDownBlock2D", "CrossAttnDownBlock2D"},
		UpBlockTypes: []string{"CrossAttnUpBlock2D", "CrossAttnUpBlock2D", "UpBlock2D"}, UseLinearProjection: true,
		AdditionEmbedType: strp("text_time"), AdditionTimeEmbedDim: 256, ProjectionClassEmbeddingsInputDim: 2816,
		NormNumGroups: 32, NormEps: 1e-5, FlipSinToCos: true}
}

// DefaultSD21UNet is SD 2.1's UNet (stabilityai/stable-diffusion-2-1, also SD-Turbo),
// with upcast_attention set: diffusers' conversion script calls it "necessary when
// running stable diffusion 2.1" (it changes only --fp16 graphs).
func DefaultSD21UNet() UNetConfig {
	return UNetConfig{InChannels: 4, OutChannels: 4, BlockOutChannels: []int64{320, 640, 1280, 1280},
		LayersPerBlock: intList{2}, AttentionHeadDim: intList{5, 10, 20, 20}, TransformerLayersPerBlock: intList{1},
		CrossAttentionDim: intList{1024}, DownBlockTypes: []string{"CrossAttnDownBlock2D", "CrossAttnDownBlock2D", "CrossAttnDownBlock2D", "DownBlock2D"},
		UpBlockTypes: []string{"UpBlock2D", "CrossAttnUpBlock2D", "CrossAttnUpBlock2D", "CrossAttnUpBlock2D"}, UseLinearProjection: true,
		NormNumGroups: 32, NormEps: 1e-5, FlipSinToCos: true, UpcastAttention: true}
}

// unetPlan is a config expanded per block, as UNet2DConditionModel.__init__ does.
type unetPlan struct {
	c                   UNetConfig
	n                   int
	layers, heads, tl   []int64
	ctxDim              int64
	timeDim, addTimeDim int64
	textTime            bool
}

func (c UNetConfig) plan() (*unetPlan, error) {
	n := len(c.BlockOutChannels)
	if n == 0 || len(c.DownBlockTypes) != n || len(c.UpBlockTypes) != n {
		return nil, fmt.Errorf("%w: UNet needs as many down and up block types as block_out_channels", ErrConfig)
	}
	switch {
	case c.ClassEmbedType != nil:
		return nil, fmt.Errorf("%w: UNet class_embed_type %q", ErrConfig, *c.ClassEmbedType)
	case c.TimeEmbeddingType != "" && c.TimeEmbeddingType != "positional":
		return nil, fmt.Errorf("%w: UNet time_embedding_type %q", ErrConfig, c.TimeEmbeddingType)
	case c.ResnetTimeScaleShift != "" && c.ResnetTimeScaleShift != "default":
		return nil, fmt.Errorf("%w: UNet resnet_time_scale_shift %q", ErrConfig, c.ResnetTimeScaleShift)
	case c.DualCrossAttention || c.EncoderHidProj != nil || c.ReverseTransformerLayersPerBlock != nil:
		return nil, fmt.Errorf("%w: UNet dual_cross_attention, encoder_hid_dim or reverse_transformer_layers_per_block", ErrConfig)
	case c.TimeCondProjDim != nil:
		return nil, fmt.Errorf("%w: UNet time_cond_proj_dim (an LCM guidance-embedding UNet)", ErrConfig)
	case (c.ConvInKernel != 0 && c.ConvInKernel != 3) || (c.ConvOutKernel != 0 && c.ConvOutKernel != 3) || c.ClassEmbeddingsConcat:
		return nil, fmt.Errorf("%w: UNet conv_in_kernel %d, conv_out_kernel %d, class_embeddings_concat %v", ErrConfig, c.ConvInKernel, c.ConvOutKernel, c.ClassEmbeddingsConcat)
	case c.MidBlockType != nil && *c.MidBlockType != "UNetMidBlock2DCrossAttn":
		return nil, fmt.Errorf("%w: UNet mid_block_type %q", ErrConfig, *c.MidBlockType)
	}
	if b, ok := c.OnlyCrossAttention.(bool); c.OnlyCrossAttention != nil && (!ok || b) {
		return nil, fmt.Errorf("%w: UNet only_cross_attention", ErrConfig)
	}
	p := &unetPlan{c: c, n: n, timeDim: 4 * c.BlockOutChannels[0]}
	var err error
	if p.layers, err = c.LayersPerBlock.per("layers_per_block", n); err != nil {
		return nil, err
	}
	heads := c.NumAttentionHeads
	if len(heads) == 0 {
		heads = c.AttentionHeadDim // diffusers: num_attention_heads = num_attention_heads or attention_head_dim
	}
	if p.heads, err = heads.per("attention heads", n); err != nil {
		return nil, err
	}
	for i, h := range p.heads {
		if h <= 0 || c.BlockOutChannels[i]%h != 0 {
			return nil, fmt.Errorf("%w: UNet block %d: %d channels in %d attention heads", ErrConfig, i, c.BlockOutChannels[i], h)
		}
	}
	if p.tl, err = c.TransformerLayersPerBlock.per("transformer_layers_per_block", n); err != nil {
		return nil, err
	}
	if len(c.CrossAttentionDim) != 1 {
		return nil, fmt.Errorf("%w: UNet cross_attention_dim per block", ErrConfig)
	}
	p.ctxDim = c.CrossAttentionDim[0]
	if c.AdditionEmbedType != nil {
		if *c.AdditionEmbedType != "text_time" {
			return nil, fmt.Errorf("%w: UNet addition_embed_type %q", ErrConfig, *c.AdditionEmbedType)
		}
		p.textTime, p.addTimeDim = true, c.AdditionTimeEmbedDim
	}
	for i, t := range c.DownBlockTypes {
		if t != "DownBlock2D" && t != "CrossAttnDownBlock2D" {
			return nil, fmt.Errorf("%w: UNet down block %q", ErrConfig, t)
		}
		if u := c.UpBlockTypes[i]; u != "UpBlock2D" && u != "CrossAttnUpBlock2D" {
			return nil, fmt.Errorf("%w: UNet up block %q", ErrConfig, u)
		}
	}
	return p, nil
}
