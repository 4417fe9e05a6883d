package segment

import (
	"context"
	"image"
	"image/color"
	"sync/atomic"

	"github.com/vivid-ml/vivid-ml-engine/engine"
)

// Streams the live segmentation stage emits.
const (
	StreamMask  = "mask"  // matte alpha as grayscale (threshold, feather and smoothing applied)
	StreamMatte = "matte" // the input with its background replaced (segment_mode)
)

// Params are the parameters the segmentation operator reads.
var Params = []string{"segment_threshold", "segment_feather", "segment_smoothing", "segment_mode"}

// OperatorConfig configures an Operator.
type OperatorConfig struct {
	Model      *Model
	Background color.RGBA // for ModeColor
	// BackgroundStream is the stream segment_mode 3 takes its background from ("": diffusion).
	BackgroundStream string
}

// Operator is the segmentation stage of `run --segment` as a frame-loop operator: it reads
// the input stream, smooths the mask over time (a per-pixel running average at the model's
// resolution), emits each mask's Summary as metadata and the mask and matte streams to
// whoever wants them.
type Operator struct {
	cfg   OperatorConfig
	state []float32                    // smoothed mask at model resolution
	back  atomic.Pointer[engine.Frame] // latest picture of the background stream
	full  Mask                         // state at frame size, reused
	alpha []float32                    // matte alpha at frame size, reused
}

// NewOperator returns the operator; Close closes the model.
func NewOperator(cfg OperatorConfig) *Operator {
	if cfg.BackgroundStream == "" {
		cfg.BackgroundStream = engine.StreamDiffusion
	}
	return &Operator{cfg: cfg}
}

// Spec implements engine.Operator.
func (o *Operator) Spec() engine.OperatorSpec {
	return engine.OperatorSpec{Name: "segment", Input: engine.StreamInput, Side: []string{o.cfg.BackgroundStream},
		Emits: []string{StreamMask, StreamMatte}, Meta: true, Params: Params}
}

// SetSide implements engine.SideInput: the newest picture of the background stream.
func (o *Operator) SetSide(stream string, f *engine.Frame) {
	if stream == o.cfg.BackgroundStream && f != nil && f.Image != nil {
		o.back.Store(f)
	}
}

// Close closes the model.
func (o *Operator) Close() error { return o.cfg.Model.Close() }

// Process implements engine.Operator.
func (o *Operator) Process(_ context.Context, f *engine.Frame, p *engine.Params, out engine.Emitter) error {
	if f == nil || f.Image == nil {
		return nil
	}
	return o.process(f, p, out)
}

// process segments one frame and emits its summary and streams.
func (o *Operator) process(f *engine.Frame, p *engine.Params, out engine.Emitter) error {
	raw, err := o.cfg.Model.Raw(f.Image)
	if err != nil {
		return err
	}
	a := float32(min(max(p.SegmentSmoothing, 0), 0.99))
	if len(o.state) != len(raw.V) {
		o.state = append(o.state[:0], raw.V...)
	} else {
		for i, v := range raw.V {
			o.state[i] = a*o.state[i] + (1-a)*v
		}
	}
	w, h := f.Width(), f.Height()
	full := ResizeMaskInto(&o.full, &Mask{W: raw.W, H: raw.H, V: o.state}, w, h)
	if cap(o.alpha) < len(full.V) {
		o.alpha = make([]float32, len(full.V))
	}
	alpha := o.alpha[:len(full.V)]
	th := float32(p.SegmentThreshold)
	Alpha(alpha, full.V, th, float32(p.SegmentFeather))
	out.Meta(Summarize(full.V, alpha, w, h, th))
	if out.Wants(StreamMask) {
		out.Frame(StreamMask, &engine.Frame{Seq: f.Seq, Captured: f.Captured, Image: MaskImage(alpha, w, h)})
	}
	if out.Wants(StreamMatte) {
		var other *image.RGBA
		if b := o.back.Load(); b != nil {
			other = b.Image
		}
		out.Frame(StreamMatte, &engine.Frame{Seq: f.Seq, Captured: f.Captured,
			Image: Composite(f.Image, alpha, p.SegmentMode, o.cfg.Background, max(w, h)/64, other)})
	}
	return nil
}
