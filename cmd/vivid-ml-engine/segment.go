package main

import (
	"context"
	"encoding/binary"
	"flag"
	"fmt"
	"math"
	"os"

	"github.com/vivid-ml/vivid-ml-engine/engine"
	"github.com/vivid-ml/vivid-ml-engine/engine/segment"
	"github.com/vivid-ml/vivid-ml-engine/internal/app"
)

// cmdSegment is the "segment" command: the model's raw person mask of one image as an 8-bit
// grayscale PNG at the image's size (value round(mask·255); no smoothing or feathering).
func cmdSegment(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("segment", flag.ContinueOnError)
	cf := addCommonFlags(fs)
	model := fs.String("model", "selfie", "selfie (256×256) or meet (144×256)")
	out := fs.String("out", "", "mask PNG to write (required)")
	raw := fs.String("raw", "", "also write the mask as little-endian float32, row-major, before 8-bit rounding")
	providers := fs.String("providers", "cpu", "execution providers in order (cuda,cpu)")
	threads := fs.Int("threads", 0, "ONNX Runtime intra-op threads (0: one per core)")
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
	img, err := engine.LoadImage(images[0])
	if err != nil {
		return err
	}
	st, b, err := app.OperatorBackend(ctx, cf.runtime(log), *providers, *threads)
	if err != nil {
		return err
	}
	path, err := st.Path(ctx, *model)
	if err != nil {
		return err
	}
	m, err := segment.Open(b, path)
	if err != nil {
		return fmt.Errorf("open %s: %w", *model, err)
	}
	defer m.Close()
	mask, err := m.Segment(img)
	if err != nil {
		return fmt.Errorf("%s: %w", images[0], err)
	}
	if *raw != "" {
		if err := writeFloat32s(*raw, mask.V); err != nil {
			return err
		}
	}
	return writePNG(*out, mask.Gray())
}

// writeFloat32s writes v as little-endian float32.
func writeFloat32s(path string, v []float32) error {
	b := make([]byte, 4*len(v))
	for i, x := range v {
		binary.LittleEndian.PutUint32(b[4*i:], math.Float32bits(x))
	}
	if err := os.WriteFile(path, b, 0o644); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}
