package shm

import (
	"log/slog"
	"sync/atomic"
	"time"

	"github.com/vivid-ml/vivid-ml-engine/engine"
)

// Sink is an engine.FrameSink that publishes one stream into a Writer. The copy into
// shared memory happens in WriteFrame (one memcpy; the writer never waits for readers).
type Sink struct {
	w      *Writer
	stream string
	log    *slog.Logger

	errs    atomic.Uint64
	lastLog atomic.Int64 // unix ns of the last error logged (rate limit)
}

// NewSink publishes frames of stream (engine.StreamInput/Pose/Diffusion) into w.
func NewSink(w *Writer, stream string, logger *slog.Logger) *Sink {
	if logger == nil {
		logger = slog.Default()
	}
	return &Sink{w: w, stream: stream, log: logger.With("component", "shm-out", "name", w.Name(), "stream", stream)}
}

// WriteFrame implements engine.FrameSink.
// WantsStream implements engine.StreamFilter: only the configured stream.
func (s *Sink) WantsStream(stream string) bool { return stream == s.stream }

// WriteFrame implements engine.FrameSink.
func (s *Sink) WriteFrame(stream string, f *engine.Frame) {
	if stream != s.stream || f == nil || f.Image == nil {
		return
	}
	if err := s.w.WriteImage(f.Image, f.Captured); err != nil {
		n := s.errs.Add(1)
		now := time.Now().UnixNano()
		if last := s.lastLog.Load(); now-last > int64(5*time.Second) && s.lastLog.CompareAndSwap(last, now) {
			s.log.Warn("shared-memory write failed", "err", err, "errors", n)
		}
	}
}

// Errors returns how many frames failed to publish.
func (s *Sink) Errors() uint64 { return s.errs.Load() }

// Writer returns the underlying writer.
func (s *Sink) Writer() *Writer { return s.w }

// Close closes the writer (removing the segment).
func (s *Sink) Close() error { return s.w.Close() }
