package tdshm

import (
	"log/slog"
	"sync/atomic"

	"github.com/vivid-ml/vivid-ml-engine/engine"
)

// Sink is an engine.FrameSink that publishes one stream through a Writer.
type Sink struct {
	w      *Writer
	stream string
	log    *slog.Logger
	errs   atomic.Uint64
}

// NewSink publishes frames of stream into w.
func NewSink(w *Writer, stream string, logger *slog.Logger) *Sink {
	if logger == nil {
		logger = slog.Default()
	}
	return &Sink{w: w, stream: stream, log: logger.With("component", "tdshm", "stream", stream)}
}

// WriteFrame implements engine.FrameSink.
// WantsStream implements engine.StreamFilter: only the configured stream.
func (s *Sink) WantsStream(stream string) bool { return stream == s.stream }

// WriteFrame implements engine.FrameSink.
func (s *Sink) WriteFrame(stream string, f *engine.Frame) {
	if stream != s.stream || f == nil || f.Image == nil {
		return
	}
	img := f.Image
	off := img.PixOffset(img.Rect.Min.X, img.Rect.Min.Y)
	if err := s.w.Write(img.Pix[off:], img.Rect.Dx(), img.Rect.Dy(), img.Stride, f.Captured); err != nil {
		if n := s.errs.Add(1); n == 1 || n%1000 == 0 {
			s.log.Warn("TouchDesigner shared-memory write failed", "err", err, "errors", n)
		}
	}
}

// Close closes the writer.
func (s *Sink) Close() error { return s.w.Close() }
