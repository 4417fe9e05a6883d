package main

import (
	"context"
	"flag"
	"fmt"

	"github.com/vivid-ml/vivid-ml-engine/internal/oneshot"
)

// cmdSegment is the "segment" command: the model's raw person mask of one image as an 8-bit
// grayscale PNG at the image's size (value round(mask·255); no smoothing or feathering; internal/oneshot).
func cmdSegment(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("segment", flag.ContinueOnError)
	cf := addCommonFlags(fs)
	model := fs.String("model", "selfie", "selfie (256×256) or meet (144×256)")
	out := fs.String("out", "", "mask PNG to write (required)")
	raw := fs.String("raw", "", "also write the mask as little-endian float32, row-major, before 8-bit rounding")
	providers := fs.String("providers", "cpu", "execution providers in order (cuda,cpu)")
	threads := fs.Int("threads", 0, "ONNX Runtime intra-op threads (0: one per core)")
	bf := addBackendFlags(fs, cf)
	defer bf.close()
	images, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(images) != 1 || *out == "" {
		return printUsage(fs, "segment [--model selfie|meet] --out MASK.png IMAGE")
	}
	if *model != "selfie" && *model != "meet" {
		return fmt.Errorf("unknown segmentation model %q (selfie or meet)", *model)
	}
	log, err := cf.logger()
	if err != nil {
		return err
	}
	return oneshot.Segment(ctx, oneshot.SegmentConfig{
		Model: *model, Out: *out, Raw: *raw, Providers: *providers, Threads: *threads, Runtime: cf.runtime(log),
	}, images[0])
}
