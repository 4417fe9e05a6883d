package diffusion

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// Parts of a diffusers ONNX folder (as Optimum exports SDXL).
const (
	fileTokenizer1   = "tokenizer"
	fileTokenizer2   = "tokenizer_2"
	fileTextEncoder1 = "text_encoder/model.onnx"
	fileTextEncoder2 = "text_encoder_2/model.onnx"
	fileUNet         = "unet/model.onnx"
	fileVAEEncoder   = "vae_encoder/model.onnx"
	fileVAEDecoder   = "vae_decoder/model.onnx"
	fileTAESDEncoder = "taesd_encoder/model.onnx"
	fileTAESDDecoder = "taesd_decoder/model.onnx"
	fileScheduler    = "scheduler/scheduler_config.json"
)

// DefaultScalingFactor is SDXL's VAE latent scale, used when the VAE config has none.
const DefaultScalingFactor = 0.13025

// requiredFiles lists what Open checks before loading anything, so a broken folder
// fails at once with the missing file's name.
func requiredFiles(taesd bool) []string {
	enc, dec := fileVAEEncoder, fileVAEDecoder
	if taesd {
		enc, dec = fileTAESDEncoder, fileTAESDDecoder
	}
	return []string{
		fileTokenizer1 + "/vocab.json", fileTokenizer1 + "/merges.txt",
		fileTokenizer2 + "/vocab.json", fileTokenizer2 + "/merges.txt",
		fileTextEncoder1, fileTextEncoder2, fileUNet, enc, dec,
	}
}

func checkFolder(dir string, taesd bool) error {
	st, err := os.Stat(dir)
	if err != nil {
		return fmt.Errorf("diffusion: model folder: %w", err)
	}
	if !st.IsDir() {
		return fmt.Errorf("diffusion: model folder %s is not a directory", dir)
	}
	for _, f := range requiredFiles(taesd) {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				return fmt.Errorf("%w: %s", ErrMissingFile, filepath.Join(dir, f))
			}
			return fmt.Errorf("diffusion: %w", err)
		}
	}
	return nil
}

// scalingFactor reads scaling_factor from the VAE decoder's (or encoder's) config.json;
// TAESD latents are unscaled (1).
func scalingFactor(dir string, taesd bool) (float64, error) {
	if taesd {
		return 1, nil
	}
	for _, sub := range []string{"vae_decoder", "vae_encoder", "vae"} {
		data, err := os.ReadFile(filepath.Join(dir, sub, "config.json"))
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return 0, fmt.Errorf("diffusion: %w", err)
		}
		var c struct {
			ScalingFactor *float64 `json:"scaling_factor"`
		}
		if err := json.Unmarshal(data, &c); err != nil {
			return 0, fmt.Errorf("diffusion: %s/config.json: %w", sub, err)
		}
		if c.ScalingFactor != nil && *c.ScalingFactor > 0 {
			return *c.ScalingFactor, nil
		}
	}
	return DefaultScalingFactor, nil
}

// schedulerFromClass maps diffusers' scheduler class to the sched package's name.
var schedulerFromClass = map[string]string{
	"EulerDiscreteScheduler":          "euler",
	"EulerAncestralDiscreteScheduler": "euler-ancestral",
	"DDIMScheduler":                   "ddim",
	"TCDScheduler":                    "tcd",
	"LCMScheduler":                    "lcm",
}
