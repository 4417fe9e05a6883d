package oneshot

import (
	"context"
	"encoding/binary"
	"fmt"
	"image"
	"math"
	"os"

	"github.com/vivid-ml/vivid-ml-engine/engine"
	"github.com/vivid-ml/vivid-ml-engine/engine/infer"
	"github.com/vivid-ml/vivid-ml-engine/engine/segment"
	"github.com/vivid-ml/vivid-ml-engine/engine/upscale"
	"github.com/vivid-ml/vivid-ml-engine/internal/app"
)

// operatorInputs loads the image, builds the operator backend and finds the model's file:
// the steps Segment and Upscale share, in their order (a bad image fails before any fetch).
func operatorInputs(ctx context.Context, rt *app.Runtime, providers string, threads int, file, model string) (*image.RGBA, infer.Backend, string, error) {
	img, err := engine.LoadImage(file)
	if err != nil {
		return nil, nil, "", err
	}
	st, b, err := app.OperatorBackend(ctx, rt, providers, threads)
	if err != nil {
		return nil, nil, "", err
	}
	path, err := st.Path(ctx, model)
	if err != nil {
		return nil, nil, "", err
	}
	return img, b, path, nil
}

// SegmentConfig configures Segment (the `segment` flags of the same names).
type SegmentConfig struct {
	Model     string // selfie or meet (checked by the command)
	Out       string // mask PNG to write
	Raw       string // also write the mask as little-endian float32; empty: not
	Providers string // execution providers in order (cuda,cpu)
	Threads   int
	Runtime   *app.Runtime
}

// Segment writes the model's raw person mask of the image as an 8-bit grayscale PNG at the
// image's size (value round(mask·255); no smoothing or feathering).
func Segment(ctx context.Context, c SegmentConfig, image string) error {
	img, b, path, err := operatorInputs(ctx, c.Runtime, c.Providers, c.Threads, image, c.Model)
	if err != nil {
		return err
	}
	m, err := segment.Open(b, path)
	if err != nil {
		return fmt.Errorf("open %s: %w", c.Model, err)
	}
	defer func() { _ = m.Close() }() // the mask is written; a failed release changes nothing
	mask, err := m.Segment(img)
	if err != nil {
		return fmt.Errorf("%s: %w", image, err)
	}
	if c.Raw != "" {
		if err := writeFloat32s(c.Raw, mask.V); err != nil {
			return err
		}
	}
	return WritePNG(c.Out, mask.Gray())
}

// UpscaleConfig configures Upscale (the `upscale` flags; Name and Range are
// upscale.ModelName's for --model and --scale).
type UpscaleConfig struct {
	Name          string // the cached model, e.g. esrgan-slim-x2
	Range         float32
	Scale         int
	Out           string // PNG to write
	Raw           string // also write the RGB output as little-endian float32 (NHWC); empty: not
	Tile, Overlap int
	Providers     string
	Threads       int
	Runtime       *app.Runtime
}

// Upscale writes the ESRGAN super-resolution of the image, tiled with overlap, as a PNG.
func Upscale(ctx context.Context, c UpscaleConfig, image string) error {
	img, b, path, err := operatorInputs(ctx, c.Runtime, c.Providers, c.Threads, image, c.Name)
	if err != nil {
		return err
	}
	u, err := upscale.Open(b, path, c.Scale, c.Range)
	if err != nil {
		return fmt.Errorf("open %s: %w", c.Name, err)
	}
	defer func() { _ = u.Close() }() // likewise
	u.Tile, u.Overlap = c.Tile, c.Overlap
	res, w, h, err := u.Raw(img)
	if err != nil {
		return fmt.Errorf("%s: %w", image, err)
	}
	if c.Raw != "" {
		if err := writeFloat32s(c.Raw, res); err != nil {
			return err
		}
	}
	return WritePNG(c.Out, upscale.ToRGBA(res, w, h))
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
