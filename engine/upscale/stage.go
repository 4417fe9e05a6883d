package upscale

import (
	"context"
	"fmt"

	"github.com/vivid-ml/vivid-ml-engine/engine"
)

// Stage wraps an image stage (diffusion) and upscales each picture it makes, so the
// diffusion stream comes out Scale× larger (`run --upscale 2`). It runs in the image
// stage's goroutine; the frame loop does not change.
type Stage struct {
	Inner engine.ImageStage
	Up    *Upscaler
}

// Process implements engine.ImageStage.
func (s *Stage) Process(ctx context.Context, f *engine.Frame, p *engine.Params) (*engine.Frame, bool, error) {
	out, ok, err := s.Inner.Process(ctx, f, p)
	if err != nil || !ok || out == nil || out.Image == nil {
		return out, ok, err
	}
	img, err := s.Up.Upscale(out.Image)
	if err != nil {
		return nil, false, fmt.Errorf("upscale: %w", err)
	}
	return &engine.Frame{Seq: out.Seq, Captured: out.Captured, Image: img}, true, nil
}

// Close closes the upscaling model; the wrapped stage has its own owner.
func (s *Stage) Close() error { return s.Up.Close() }
