package segment

import (
	"context"
	"image"
	"image/color"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/vivid-ml/vivid-ml-engine/engine"
)

// Streams the live segmentation stage emits.
const (
	StreamMask  = "mask"  // matte alpha as grayscale (threshold, feather and smoothing applied)
	StreamMatte = "matte" // the input with its background replaced (segment_mode)
)

// backgroundStream is the stream segment_mode 3 takes its background from.
const backgroundStream = engine.StreamDiffusion

// LiveConfig wires a Live stage.
type LiveConfig struct {
	Model  *Model
	Params *engine.ParamStore // segment_threshold, segment_feather, segment_smoothing, segment_mode
	// Sinks get the mask and matte streams (those that filter streams are asked first).
	Sinks      []engine.FrameSink
	Background color.RGBA // for ModeColor
	// OnSummary, when set, is called with every mask's summary (e.g. the OSC output).
	OnSummary func(f *engine.Frame, s Summary)
	Logger    *slog.Logger
}

// Live is the segmentation stage of `run --segment`: a FrameSink on the input stream that
// runs the model in its own goroutine behind a newest-wins mailbox (a slow model drops frames,
// never builds a backlog), smooths the mask over time (a per-pixel running average at the
// model's resolution), and emits the mask and matte streams to its sinks.
type Live struct {
	cfg   LiveConfig
	log   *slog.Logger
	box   *engine.Mailbox[*engine.Frame]
	state []float32                    // smoothed mask at model resolution
	back  atomic.Pointer[engine.Frame] // latest picture of backgroundStream
	full  Mask                         // state at frame size, reused
	alpha []float32                    // matte alpha at frame size, reused

	frames, errs atomic.Uint64
	lastErr      time.Time

	cancel context.CancelFunc
	done   chan struct{}
	once   sync.Once
}

// NewLive starts the stage's goroutine; Close stops it and closes the model.
func NewLive(ctx context.Context, cfg LiveConfig) *Live {
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	ctx, cancel := context.WithCancel(ctx)
	l := &Live{cfg: cfg, log: cfg.Logger.With("component", "segment"), box: engine.NewMailbox[*engine.Frame](),
		cancel: cancel, done: make(chan struct{})}
	go l.run(ctx)
	return l
}

// WantsStream implements engine.StreamFilter: input frames, and diffusion pictures for segment_mode 3.
func (l *Live) WantsStream(stream string) bool {
	return stream == engine.StreamInput || stream == backgroundStream
}

// WriteFrame implements engine.FrameSink; it never blocks.
func (l *Live) WriteFrame(stream string, f *engine.Frame) {
	if f == nil || f.Image == nil {
		return
	}
	switch stream {
	case engine.StreamInput:
		l.box.Put(f)
	case backgroundStream:
		l.back.Store(f)
	}
}

// Frames is the number of frames segmented; Drops the number replaced before they ran.
func (l *Live) Frames() uint64 { return l.frames.Load() }

// Drops counts input frames replaced by newer ones before the model got to them.
func (l *Live) Drops() uint64 { return l.box.Drops() }

// Close stops the goroutine, waits for it and closes the model.
func (l *Live) Close() error {
	var err error
	l.once.Do(func() {
		l.cancel()
		l.box.Close()
		<-l.done
		err = l.cfg.Model.Close()
	})
	return err
}

func (l *Live) run(ctx context.Context) {
	defer close(l.done)
	for {
		f, ok := l.box.Get(ctx)
		if !ok {
			return
		}
		if err := l.process(f); err != nil {
			l.errs.Add(1)
			if now := time.Now(); now.Sub(l.lastErr) > 5*time.Second {
				l.lastErr = now
				l.log.Warn("segmentation failed", "error", err, "errors", l.errs.Load())
			}
		}
	}
}

// process segments one frame and emits its streams and summary.
func (l *Live) process(f *engine.Frame) error {
	p := l.cfg.Params.Load()
	raw, err := l.cfg.Model.Raw(f.Image)
	if err != nil {
		return err
	}
	a := float32(min(max(p.SegmentSmoothing, 0), 0.99))
	if len(l.state) != len(raw.V) {
		l.state = append(l.state[:0], raw.V...)
	} else {
		for i, v := range raw.V {
			l.state[i] = a*l.state[i] + (1-a)*v
		}
	}
	w, h := f.Width(), f.Height()
	full := ResizeMaskInto(&l.full, &Mask{W: raw.W, H: raw.H, V: l.state}, w, h)
	if cap(l.alpha) < len(full.V) {
		l.alpha = make([]float32, len(full.V))
	}
	alpha := l.alpha[:len(full.V)]
	th := float32(p.SegmentThreshold)
	Alpha(alpha, full.V, th, float32(p.SegmentFeather))
	l.frames.Add(1)
	if l.cfg.OnSummary != nil {
		l.cfg.OnSummary(f, Summarize(full.V, alpha, w, h, th))
	}
	var maskF, matteF *engine.Frame
	for _, s := range l.cfg.Sinks {
		if wants(s, StreamMask) {
			if maskF == nil {
				maskF = &engine.Frame{Seq: f.Seq, Captured: f.Captured, Image: MaskImage(alpha, w, h)}
			}
			s.WriteFrame(StreamMask, maskF)
		}
		if wants(s, StreamMatte) {
			if matteF == nil {
				var other *image.RGBA
				if b := l.back.Load(); b != nil {
					other = b.Image
				}
				matteF = &engine.Frame{Seq: f.Seq, Captured: f.Captured,
					Image: Composite(f.Image, alpha, p.SegmentMode, l.cfg.Background, max(w, h)/64, other)}
			}
			s.WriteFrame(StreamMatte, matteF)
		}
	}
	return nil
}

func wants(s engine.FrameSink, stream string) bool {
	if sf, ok := s.(engine.StreamFilter); ok {
		return sf.WantsStream(stream)
	}
	return true
}
