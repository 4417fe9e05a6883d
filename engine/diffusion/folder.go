package diffusion

import (
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
// fails at once with the missing file's name. The second tokenizer and text encoder
// are checked once the UNet shows an SDXL folder (sdxlFiles).
func requiredFiles(taesd bool) []string {
	enc, dec := fileVAEEncoder, fileVAEDecoder
	if taesd {
		enc, dec = fileTAESDEncoder, fileTAESDDecoder
	}
	return []string{
		fileTokenizer1 + "/vocab.json", fileTokenizer1 + "/merges.txt",
		fileTextEncoder1, fileUNet, enc, dec,
	}
}

// sdxlFiles are the files only an SDXL folder needs.
var sdxlFiles = []string{fileTokenizer2 + "/vocab.json", fileTokenizer2 + "/merges.txt", fileTextEncoder2}

func checkFolder(dir string, taesd bool) error {
	st, err := os.Stat(dir)
	if err != nil {
		return fmt.Errorf("diffusion: model folder: %w", err)
	}
	if !st.IsDir() {
		return fmt.Errorf("diffusion: model folder %s is not a directory", dir)
	}
	return checkFiles(dir, requiredFiles(taesd))
}

func checkFiles(dir string, files []string) error {
	for _, f := range files {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				return fmt.Errorf("%w: %s", ErrMissingFile, filepath.Join(dir, f))
			}
			return fmt.Errorf("diffusion: %w", err)
		}
	}
	return nil
}

// schedulerFromClass maps diffusers' scheduler class to the sched package's name.
var schedulerFromClass = map[string]string{
	"EulerDiscreteScheduler":          "euler",
	"EulerAncestralDiscreteScheduler": "euler-ancestral",
	"DDIMScheduler":                   "ddim",
	"TCDScheduler":                    "tcd",
	"LCMScheduler":                    "lcm",
}
