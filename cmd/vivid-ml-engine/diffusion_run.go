package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"image"
	_ "image/jpeg" // --input may be a JPEG
	"image/png"
	"os"
	"path/filepath"
	"time"

	"github.com/vivid-ml/vivid-ml-engine/engine"
	"github.com/vivid-ml/vivid-ml-engine/engine/diffusion"
	"github.com/vivid-ml/vivid-ml-engine/engine/diffusion/sched"
	"github.com/vivid-ml/vivid-ml-engine/internal/app"
)

// diffusionRun runs one img2img (SDXL or SD 1.x/2.x): --input image → --out PNG.
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
	// Checked before any model is loaded (that takes seconds to minutes).
	if *size < 8 || *size%8 != 0 {
		return fmt.Errorf("--size %d: want a positive multiple of 8", *size)
	}
	if _, err := sched.Img2ImgStart(*steps, *strength); errors.Is(err, sched.ErrNoSteps) {
		return fmt.Errorf("%w (%d steps × strength %v)", diffusion.ErrNoSteps, *steps, *strength)
	} else if err != nil {
		return fmt.Errorf("diffusion: %w", err)
	}

	img, err := readRGBA(*input)
	if err != nil {
		return err
	}
	p, err := app.OpenPipeline(ctx, cf.runtime(log), pf.section(*model, *size), log)
	if err != nil {
		return err
	}
	defer p.Close()
	cond, err := p.EncodePrompt(*prompt)
	if err != nil {
		return err
	}
	var uncond *diffusion.Embedding
	if *guidance > 1 && *negative != "" {
		if uncond, err = p.EncodePrompt(*negative); err != nil {
			return err
		}
	}
	res, err := p.Generate(diffusion.Request{
		Cond: cond, Uncond: uncond, Steps: *steps, Strength: *strength,
		Seed: *seed, SeedB: *seedB, SeedBlend: *seedBlend, Guidance: *guidance, Size: *size,
	}, img)
	if err != nil {
		return err
	}
	if err := writePNG(*out, res); err != nil {
		return err
	}
	t := p.Timings()
	return json.NewEncoder(os.Stdout).Encode(map[string]any{
		"out": *out, "size": *size, "scheduler": p.SchedulerName(), "rng": p.RNG(), "family": p.Dims().Family, "providers": p.Providers(),
		"unet_steps": len(t.UNet), "total_ms": diffMS(t.Total), "overhead_ms": diffMS(t.Overhead()),
	})
}

// readRGBA decodes a PNG or JPEG into RGBA (size-checked from the header first).
func readRGBA(path string) (*image.RGBA, error) { return engine.LoadImage(path) }

// writePNG writes img atomically (temp file + rename).
func writePNG(path string, img image.Image) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), ".vivid-*.png")
	if err != nil {
		return err
	}
	err = png.Encode(tmp, img)
	if err == nil { // CreateTemp makes 0600; an output picture is for everyone to read
		err = tmp.Chmod(0o644)
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), path)
	}
	if err != nil {
		os.Remove(tmp.Name())
		return errors.Join(fmt.Errorf("write %s", path), err)
	}
	return nil
}

// diffMS is d in milliseconds, to the microsecond.
func diffMS(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
