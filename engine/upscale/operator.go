package upscale

import (
	"context"
	"fmt"

	"github.com/vivid-ml/vivid-ml-engine/engine"
)

// StreamUpscale is the stream the upscaling operator emits.
const StreamUpscale = "upscale"

// Operator is the frame-loop operator of `run --upscale N`: it upscales every picture of
// its input stream (diffusion's output unless told otherwise) and emits it on
// StreamUpscale. It skips the model when nobody takes that stream.
type Operator struct {
	Up    *Upscaler
	Input string // the stream it reads; "": engine.StreamDiffusion
}

// Spec implements engine.Operator.
func (o *Operator) Spec() engine.OperatorSpec {
	return engine.OperatorSpec{Name: "upscale", Input: o.input(), Emits: []string{StreamUpscale}}
}

func (o *Operator) input() string {
	if o.Input == "" {
		return engine.StreamDiffusion
	}
	return o.Input
}

// Process implements engine.Operator.
func (o *Operator) Process(_ context.Context, f *engine.Frame, _ *engine.Params, out engine.Emitter) error {
	if f == nil || f.Image == nil || !out.Wants(StreamUpscale) {
		return nil
	}
	img, err := o.Up.Upscale(f.Image)
	if err != nil {
		return fmt.Errorf("upscale: %w", err)
	}
	out.Frame(StreamUpscale, &engine.Frame{Seq: f.Seq, Captured: f.Captured, Image: img})
	return nil
}

// Close closes the upscaling model.
func (o *Operator) Close() error { return o.Up.Close() }
