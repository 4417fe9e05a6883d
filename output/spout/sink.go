package spout

import (
	"log/slog"
	"sync/atomic"

	"github.com/vivid-ml/vivid-ml-engine/engine"
)

// Sink is an engine.FrameSink that publishes one stream through a Sender.
type Sink struct {
	s      *Sender
	stream string
	log    *slog.Logger
	errs   atomic.Uint64
}

// NewSink publishes frames of stream through s.
func NewSink(s *Sender, stream string, logger *slog.Logger) *Sink {
	if logger == nil {
		logger = slog.Default()
	}
	return &Sink{s: s, stream: stream, log: logger.With("component", "spout", "stream", stream)}
}

// WantsStream implements engine.StreamFilter: only the configured stream.
func (k *Sink) WantsStream(stream string) bool { return stream == k.stream }

// WriteFrame implements engine.FrameSink.
func (k *Sink) WriteFrame(stream string, f *engine.Frame) {
	if stream != k.stream || f == nil || f.Image == nil {
		return
	}
	img := f.Image
	off := img.PixOffset(img.Rect.Min.X, img.Rect.Min.Y)
	if err := k.s.Write(img.Pix[off:], img.Rect.Dx(), img.Rect.Dy(), img.Stride); err != nil {
		if n := k.errs.Add(1); n == 1 || n%1000 == 0 {
			k.log.Warn("spout send failed", "err", err, "errors", n)
		}
	}
}

// Close closes the sender.
func (k *Sink) Close() error { return k.s.Close() }
