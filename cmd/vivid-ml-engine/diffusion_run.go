package main

import (
	"context"
	"encoding/json"
	"flag"
	"os"

	"github.com/vivid-ml/vivid-ml-engine/internal/oneshot"
)

// diffusionRun runs one img2img (SDXL or SD 1.x/2.x): --input image → --out PNG (internal/oneshot).
func diffusionRun(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("diffusion run", flag.ContinueOnError)
	cf := addCommonFlags(fs)
	model := fs.String("model", "", "SDXL or SD 1.x/2.x ONNX folder (diffusers/Optimum layout; required)")
	input := fs.String("input", "", "input image, PNG or JPEG (required)")
	out := fs.String("out", "", "output PNG (required)")
	prompt := fs.String("prompt", "", "prompt")
	negative := fs.String("negative", "", "negative prompt (used when --guidance > 1)")
	steps := fs.Int("steps", 4, "inference steps of the schedule")
	strength := fs.Float64("strength", 0.5, "img2img strength 0..1 (steps run: int(steps·strength))")
	seed := fs.Uint64("seed", 42, "noise seed; with --rng torch (default) the seed diffusers/ComfyUI use with torch.Generator(\"cpu\").manual_seed")
	seedB := fs.Uint64("seed-b", 0, "second seed for seed blending")
	seedBlend := fs.Float64("seed-blend", 0, "slerp between --seed's and --seed-b's noise, 0..1")
	guidance := fs.Float64("guidance", 0, "classifier-free guidance scale (≤ 1: off)")
	size := fs.Int("size", 512, "working size (square, multiple of 8 and of the VAE scale)")
	pf, err := addPipelineFlags(fs, cf)
	if err != nil {
		return err
	}
	defer pf.backend.close()
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if *model == "" || *input == "" || *out == "" || len(pos) != 0 {
		return printUsage(fs, "diffusion run --model DIR --input IMG --prompt TEXT --out OUT.png [flags]")
	}
	log, err := cf.logger()
	if err != nil {
		return err
	}
	res, err := oneshot.Diffusion(ctx, oneshot.DiffusionConfig{
		Pipeline: pf.section(*model, *size), Input: *input, Out: *out, Prompt: *prompt, Negative: *negative,
		Steps: *steps, Strength: *strength, Seed: *seed, SeedB: *seedB, SeedBlend: *seedBlend, Guidance: *guidance,
		Runtime: cf.runtime(log), Logger: log,
	})
	if err != nil {
		return err
	}
	return json.NewEncoder(os.Stdout).Encode(map[string]any{
		"out": res.Out, "size": res.Size, "scheduler": res.Scheduler, "rng": res.RNG, "family": res.Family, "providers": res.Providers,
		"unet_steps": res.UNetSteps, "total_ms": res.TotalMS, "overhead_ms": res.OverheadMS,
	})
}
