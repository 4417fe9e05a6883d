package sdconv

import (
	"encoding/json"
	"fmt"
	"os"
)

// readConfig decodes a component's config.json into v (defaults already set in v;
// unknown keys are ignored: diffusers configs carry many that do not change the graph).
func readConfig(path string, v any) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("sdconv: %w", err)
	}
	if err := json.Unmarshal(data, v); err != nil {
		return fmt.Errorf("sdconv: %s: %w", path, err)
	}
	return nil
}

// VAEConfig is the part of AutoencoderKL's config that shapes the graph.
type VAEConfig struct {
	InChannels       int64    `json:"in_channels"`
	OutChannels      int64    `json:"out_channels"`
	LatentChannels   int64    `json:"latent_channels"`
	BlockOutChannels []int64  `json:"block_out_channels"`
	LayersPerBlock   int64    `json:"layers_per_block"`
	NormNumGroups    int64    `json:"norm_num_groups"`
	ScalingFactor    float64  `json:"scaling_factor"`
	ForceUpcast      bool     `json:"force_upcast"`
	UseQuantConv     bool     `json:"use_quant_conv"`
	UsePostQuantConv bool     `json:"use_post_quant_conv"`
	MidBlockAttn     bool     `json:"mid_block_add_attention"`
	DownBlockTypes   []string `json:"down_block_types"`
	UpBlockTypes     []string `json:"up_block_types"`
}

// DefaultVAE is SDXL's VAE (diffusers AutoencoderKL with the SDXL config).
func DefaultVAE() VAEConfig {
	return VAEConfig{InChannels: 3, OutChannels: 3, LatentChannels: 4, BlockOutChannels: []int64{128, 256, 512, 512},
		LayersPerBlock: 2, NormNumGroups: 32, ScalingFactor: 0.13025, ForceUpcast: true, UseQuantConv: true,
		UsePostQuantConv: true, MidBlockAttn: true}
}

func (c *VAEConfig) check() error {
	for _, t := range c.DownBlockTypes {
		if t != "DownEncoderBlock2D" {
			return fmt.Errorf("%w: VAE down block %q", ErrConfig, t)
		}
	}
	for _, t := range c.UpBlockTypes {
		if t != "UpDecoderBlock2D" {
			return fmt.Errorf("%w: VAE up block %q", ErrConfig, t)
		}
	}
	if len(c.BlockOutChannels) == 0 || c.LayersPerBlock < 1 {
		return fmt.Errorf("%w: VAE needs block_out_channels and layers_per_block", ErrConfig)
	}
	return nil
}

// CLIPConfig is the part of transformers' CLIPTextConfig that shapes the graph.
type CLIPConfig struct {
	HiddenSize        int64    `json:"hidden_size"`
	IntermediateSize  int64    `json:"intermediate_size"`
	NumHiddenLayers   int64    `json:"num_hidden_layers"`
	NumAttentionHeads int64    `json:"num_attention_heads"`
	MaxPositions      int64    `json:"max_position_embeddings"`
	HiddenAct         string   `json:"hidden_act"`
	LayerNormEps      float64  `json:"layer_norm_eps"`
	ProjectionDim     int64    `json:"projection_dim"`
	VocabSize         int64    `json:"vocab_size"`
	EOSTokenID        int64    `json:"eos_token_id"`
	Architectures     []string `json:"architectures"`
	// WithProjection is set for CLIPTextModelWithProjection (text_embeds output).
	WithProjection bool `json:"-"`
}

// DefaultCLIPL is SDXL's text_encoder (OpenAI CLIP ViT-L/14 text tower).
func DefaultCLIPL() CLIPConfig {
	return CLIPConfig{HiddenSize: 768, IntermediateSize: 3072, NumHiddenLayers: 12, NumAttentionHeads: 12,
		MaxPositions: 77, HiddenAct: "quick_gelu", LayerNormEps: 1e-5, ProjectionDim: 768, VocabSize: 49408, EOSTokenID: 2}
}

// DefaultCLIPG is SDXL's text_encoder_2 (OpenCLIP ViT-bigG/14, with projection).
func DefaultCLIPG() CLIPConfig {
	return CLIPConfig{HiddenSize: 1280, IntermediateSize: 5120, NumHiddenLayers: 32, NumAttentionHeads: 20,
		MaxPositions: 77, HiddenAct: "gelu", LayerNormEps: 1e-5, ProjectionDim: 1280, VocabSize: 49408, EOSTokenID: 2,
		WithProjection: true}
}

// DefaultCLIPH is SD 2.1's text encoder (OpenCLIP ViT-H/14, 23 of its 24 layers, as diffusers ships it).
func DefaultCLIPH() CLIPConfig {
	return CLIPConfig{HiddenSize: 1024, IntermediateSize: 4096, NumHiddenLayers: 23, NumAttentionHeads: 16,
		MaxPositions: 77, HiddenAct: "gelu", LayerNormEps: 1e-5, ProjectionDim: 512, VocabSize: 49408, EOSTokenID: 2}
}

func (c *CLIPConfig) check() error {
	if c.HiddenSize <= 0 || c.NumAttentionHeads <= 0 || c.HiddenSize%c.NumAttentionHeads != 0 || c.NumHiddenLayers < 1 {
		return fmt.Errorf("%w: CLIP hidden_size %d, %d heads, %d layers", ErrConfig, c.HiddenSize, c.NumAttentionHeads, c.NumHiddenLayers)
	}
	for _, a := range c.Architectures {
		if a == "CLIPTextModelWithProjection" {
			c.WithProjection = true
		}
	}
	return nil
}
