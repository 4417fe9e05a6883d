package main

import (
	"context"
	"flag"

	"github.com/vivid-ml/vivid-ml-engine/engine/upscale"
	"github.com/vivid-ml/vivid-ml-engine/internal/oneshot"
)

// cmdUpscale is the "upscale" command: ESRGAN super-resolution of one image, tiled with overlap (internal/oneshot).
func cmdUpscale(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("upscale", flag.ContinueOnError)
	cf := addCommonFlags(fs)
	model := fs.String("model", "esrgan-slim", "esrgan-slim, esrgan-medium or esrgan-thick")
	scale := fs.Int("scale", 2, "2, 3, 4 or 8")
	out := fs.String("out", "", "PNG to write (required)")
	raw := fs.String("raw", "", "also write the RGB output as little-endian float32 in 0..1 (NHWC), before 8-bit rounding")
	tile := fs.Int("tile", upscale.DefaultTile, "tile size in input pixels (0: whole image at once)")
	overlap := fs.Int("overlap", upscale.DefaultOverlap, "context pixels read around each tile")
	providers := fs.String("providers", "cpu", "execution providers in order (cuda,cpu)")
	threads := fs.Int("threads", 0, "ONNX Runtime intra-op threads (0: one per core)")
	bf := addBackendFlags(fs, cf)
	defer bf.close()
	images, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(images) != 1 || *out == "" {
		return printUsage(fs, "upscale [--model esrgan-slim|esrgan-medium|esrgan-thick] [--scale 2|3|4|8] --out OUT.png IMAGE")
	}
	name, rng, err := upscale.ModelName(*model, *scale)
	if err != nil {
		return err
	}
	log, err := cf.logger()
	if err != nil {
		return err
	}
	return oneshot.Upscale(ctx, oneshot.UpscaleConfig{
		Name: name, Range: rng, Scale: *scale, Out: *out, Raw: *raw, Tile: *tile, Overlap: *overlap,
		Providers: *providers, Threads: *threads, Runtime: cf.runtime(log),
	}, images[0])
}
