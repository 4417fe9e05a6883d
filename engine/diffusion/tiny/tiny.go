// Package tiny writes random-weight ONNX models with the exact I/O signatures of an
// SDXL img2img pipeline in the diffusers ONNX layout (as Optimum exports it), so the
// pipeline can be tested end to end without real weights. A few MB in all; the same
// options always give byte-identical files.
package tiny

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/vivid-ml/vivid-ml-engine/engine/diffusion/clip"
)

// Options selects what Write produces.
type Options struct {
	Seed  uint64 // weights seed; equal seeds give identical files
	FP16  bool   // float16 weights and float16 inputs/outputs (as real fp16 exports)
	TAESD bool   // also write taesd_encoder/ and taesd_decoder/ (latent scale 1)
}

// ScalingFactor is SDXL's VAE latent scaling factor, written into the VAE configs.
const ScalingFactor = 0.13025

// Write creates the model folder dir (created if needed) and fills it.
func Write(dir string, o Options) error {
	type model struct {
		sub   string
		build func() ([]byte, error)
	}
	models := []model{
		{"text_encoder", func() ([]byte, error) { return textEncoder(o.Seed*16+1, o.FP16, clipLDim, false) }},
		{"text_encoder_2", func() ([]byte, error) { return textEncoder(o.Seed*16+2, o.FP16, clipGDim, true) }},
		{"unet", func() ([]byte, error) { return unet(o.Seed*16+3, o.FP16) }},
		{"vae_encoder", func() ([]byte, error) { return vaeEncoder(o.Seed*16+4, o.FP16, true) }},
		{"vae_decoder", func() ([]byte, error) { return vaeDecoder(o.Seed*16+5, o.FP16) }},
	}
	if o.TAESD {
		models = append(models,
			model{"taesd_encoder", func() ([]byte, error) { return vaeEncoder(o.Seed*16+6, o.FP16, false) }},
			model{"taesd_decoder", func() ([]byte, error) { return vaeDecoder(o.Seed*16+7, o.FP16) }})
	}
	for _, m := range models {
		b, err := m.build()
		if err != nil {
			return fmt.Errorf("tiny: building %s: %w", m.sub, err)
		}
		if err := writeFile(filepath.Join(dir, m.sub, "model.onnx"), b); err != nil {
			return err
		}
	}
	if err := clip.WriteTinyVocab(filepath.Join(dir, "tokenizer"), clip.EndOfText); err != nil {
		return fmt.Errorf("tiny: %w", err)
	}
	if err := clip.WriteTinyVocab(filepath.Join(dir, "tokenizer_2"), "!"); err != nil {
		return fmt.Errorf("tiny: %w", err)
	}
	for name, content := range configs(o) {
		if err := writeFile(filepath.Join(dir, name), []byte(content)); err != nil {
			return err
		}
	}
	return nil
}

func writeFile(path string, b []byte) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return fmt.Errorf("tiny: %w", err)
	}
	if err := os.WriteFile(path, b, 0o644); err != nil {
		return fmt.Errorf("tiny: %w", err)
	}
	return nil
}

// configs are the JSON files diffusers/Optimum put next to the models.
func configs(o Options) map[string]string {
	dtype := "float32"
	if o.FP16 {
		dtype = "float16"
	}
	vae := fmt.Sprintf(`{"_class_name": "AutoencoderKL", "in_channels": 3, "out_channels": 3, "latent_channels": 4, "scaling_factor": %v, "sample_size": 1024, "torch_dtype": %q}`+"\n", ScalingFactor, dtype)
	m := map[string]string{
		"model_index.json": `{
  "_class_name": "StableDiffusionXLImg2ImgPipeline",
  "_diffusers_version": "0.30.0",
  "_name_or_path": "vivid-ml-engine/tiny-sdxl (random weights)",
  "scheduler": ["diffusers", "EulerDiscreteScheduler"],
  "text_encoder": ["transformers", "CLIPTextModel"],
  "text_encoder_2": ["transformers", "CLIPTextModelWithProjection"],
  "tokenizer": ["transformers", "CLIPTokenizer"],
  "tokenizer_2": ["transformers", "CLIPTokenizer"],
  "unet": ["diffusers", "UNet2DConditionModel"],
  "vae": ["diffusers", "AutoencoderKL"]
}
`,
		"scheduler/scheduler_config.json": `{
  "_class_name": "EulerDiscreteScheduler",
  "beta_start": 0.00085,
  "beta_end": 0.012,
  "beta_schedule": "scaled_linear",
  "num_train_timesteps": 1000,
  "prediction_type": "epsilon",
  "steps_offset": 1,
  "timestep_spacing": "trailing",
  "interpolation_type": "linear",
  "use_karras_sigmas": false
}
`,
		"vae_encoder/config.json":    vae,
		"vae_decoder/config.json":    vae,
		"text_encoder/config.json":   fmt.Sprintf(`{"hidden_size": %d, "num_hidden_layers": %d, "projection_dim": %d}`+"\n", clipLDim, textLayers, clipLDim),
		"text_encoder_2/config.json": fmt.Sprintf(`{"hidden_size": %d, "num_hidden_layers": %d, "projection_dim": %d}`+"\n", clipGDim, textLayers, clipGDim),
		"unet/config.json":           `{"in_channels": 4, "out_channels": 4, "addition_embed_type": "text_time", "projection_class_embeddings_input_dim": 2816, "cross_attention_dim": 2048}` + "\n",
	}
	if o.TAESD {
		taesd := `{"_class_name": "AutoencoderTiny", "latent_channels": 4, "scaling_factor": 1.0}` + "\n"
		m["taesd_encoder/config.json"] = taesd
		m["taesd_decoder/config.json"] = taesd
	}
	return m
}
