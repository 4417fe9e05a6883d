package diffusion

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// Family is the pipeline shape a model folder has.
type Family string

// The families the engine runs (diffusers' StableDiffusionXLImg2ImgPipeline and
// StableDiffusionImg2ImgPipeline).
const (
	// SDXL: two text encoders (penultimate hidden states concatenated), pooled
	// text_embeds and time_ids as added UNet conditioning.
	SDXL Family = "sdxl"
	// SD is the SD 1.x/2.x family (SD-Turbo, SD 1.5 LCM): one text encoder whose
	// last_hidden_state is the context, no added conditioning.
	SD Family = "sd"
)

// SDXL's sizes, the defaults of a TensorRT profile when no model has been read
// (Providers.Dims unset). A pipeline reads its own from the models (Pipeline.Dims).
const (
	ContextDim = 2048 // 768 (CLIP-L) + 1280 (OpenCLIP-G) penultimate hidden states
	PooledDim  = 1280 // text_encoder_2's projected pooled output
	LatentCh   = 4
	TimeIDsLen = 6 // original size, crop top-left, target size
	VAEScale   = 8 // image pixels per latent pixel
)

// Dims are the sizes of one model folder, read from the models' declared shapes and
// the VAE config, never assumed.
type Dims struct {
	Family   Family
	LatentCh int // UNet sample channels (= VAE latent channels)
	Context  int // UNet encoder_hidden_states width
	Pooled   int // UNet text_embeds width (SDXL; 0 for SD)
	TimeIDs  int // UNet time_ids length (SDXL; 0 for SD)
	VAEScale int // image pixels per latent pixel: 2^(len(block_out_channels)−1)
}

// SDXLDims are SDXL-base's sizes.
func SDXLDims() Dims {
	return Dims{Family: SDXL, LatentCh: LatentCh, Context: ContextDim, Pooled: PooledDim, TimeIDs: TimeIDsLen, VAEScale: VAEScale}
}

// vaeConfig is what the pipeline reads from vae_{encoder,decoder}/config.json.
type vaeConfig struct {
	ScalingFactor  *float64 `json:"scaling_factor"`
	BlockOut       []int    `json:"block_out_channels"`
	LatentChannels int      `json:"latent_channels"`
}

// readVAEConfig reads the first VAE config.json there is (decoder, encoder, vae).
// TAESD latents are unscaled and 8× smaller than the image.
func readVAEConfig(dir string, taesd bool) (scale float64, factor int, err error) {
	if taesd {
		return 1, VAEScale, nil
	}
	for _, sub := range []string{"vae_decoder", "vae_encoder", "vae"} {
		data, err := os.ReadFile(filepath.Join(dir, sub, "config.json"))
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return 0, 0, fmt.Errorf("diffusion: %w", err)
		}
		var c vaeConfig
		if err := json.Unmarshal(data, &c); err != nil {
			return 0, 0, fmt.Errorf("diffusion: %s/config.json: %w", sub, err)
		}
		scale, factor = DefaultScalingFactor, VAEScale
		if c.ScalingFactor != nil && *c.ScalingFactor > 0 {
			scale = *c.ScalingFactor
		}
		if n := len(c.BlockOut); n > 0 {
			if n > 6 {
				return 0, 0, fmt.Errorf("%w: %s/config.json has %d VAE blocks (a %d× latent scale)", ErrModelIO, sub, n, 1<<(n-1))
			}
			factor = 1 << (n - 1)
		}
		return scale, factor, nil
	}
	return DefaultScalingFactor, VAEScale, nil
}

// dimOf returns dimension i of a declared shape, or 0 when it is dynamic or absent.
func dimOf(io IO, i int) int {
	if i < len(io.Shape) && io.Shape[i] > 0 {
		return int(io.Shape[i])
	}
	return 0
}

// unetConfig is the part of unet/config.json that backs up dynamic declared shapes.
type unetConfig struct {
	InChannels        int `json:"in_channels"`
	CrossAttentionDim any `json:"cross_attention_dim"` // int, or a list per block
	ProjectionDim     int `json:"projection_class_embeddings_input_dim"`
	AddTimeEmbedDim   int `json:"addition_time_embed_dim"`
}

// readUNetConfig reads unet/config.json when there is one (nil otherwise).
func readUNetConfig(dir string) (*unetConfig, error) {
	data, err := os.ReadFile(filepath.Join(dir, "unet", "config.json"))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("diffusion: %w", err)
	}
	var c unetConfig
	if err := json.Unmarshal(data, &c); err != nil {
		return nil, fmt.Errorf("diffusion: unet/config.json: %w", err)
	}
	return &c, nil
}

// crossDim is cross_attention_dim as one width (0 when absent or per block and uneven).
func (c *unetConfig) crossDim() int {
	switch v := c.CrossAttentionDim.(type) {
	case float64:
		return int(v)
	case []any:
		w := 0
		for _, x := range v {
			f, ok := x.(float64)
			if !ok || (w != 0 && int(f) != w) {
				return 0
			}
			w = int(f)
		}
		return w
	}
	return 0
}

// FolderDims reads a folder's sizes from its configs alone (unet/config.json,
// vae_*/config.json), before any model is loaded: what TensorRT profiles need. Open
// reads them from the models' declared shapes and checks them.
func FolderDims(dir string, taesd bool) (Dims, error) {
	d := SDXLDims()
	var err error
	if _, d.VAEScale, err = readVAEConfig(dir, taesd); err != nil {
		return Dims{}, err
	}
	c, err := readUNetConfig(dir)
	if err != nil || c == nil {
		return d, err
	}
	d.LatentCh = firstPositive(c.InChannels, d.LatentCh)
	d.Context = firstPositive(c.crossDim(), d.Context)
	if c.ProjectionDim == 0 {
		d.Family, d.Pooled, d.TimeIDs = SD, 0, 0
	} else if c.AddTimeEmbedDim > 0 {
		d.Pooled = c.ProjectionDim - d.TimeIDs*c.AddTimeEmbedDim
	}
	return d, nil
}
