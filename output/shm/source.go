package shm

import (
	"context"
	"errors"
	"fmt"
	"image"
	"log/slog"
	"time"

	"github.com/vivid-ml/vivid-ml-engine/engine"
)

// Source reads frames another process (or engine) writes into segment name, so
// engines and apps can be chained: `--source shm:NAME`. It waits for the writer to
// appear and follows it across resizes and restarts.
type Source struct {
	name string
	poll time.Duration
	log  *slog.Logger

	r   *Reader
	buf []byte
	seq uint64
}

// NewSource checks name; the segment may appear later (Next waits for it).
func NewSource(name string, logger *slog.Logger) (*Source, error) {
	if err := CheckName(name); err != nil {
		return nil, err
	}
	if logger == nil {
		logger = slog.Default()
	}
	return &Source{name: name, poll: time.Millisecond, log: logger.With("component", "shm-in", "name", name)}, nil
}

// Next blocks until a new frame arrives (or ctx ends) and returns it as a fresh
// engine.Frame (Seq counts from 1 per Source; Captured is the writer's timestamp).
func (s *Source) Next(ctx context.Context) (*engine.Frame, error) {
	for s.r == nil {
		r, err := OpenReader(s.name)
		if err == nil {
			s.r = r
			s.log.Info("attached", "width", r.Header().Width, "height", r.Header().Height)
			break
		}
		if !errors.Is(err, ErrNotFound) && !errors.Is(err, ErrBadHeader) {
			return nil, fmt.Errorf("shm source: %w", err)
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(20 * time.Millisecond):
		}
	}
	var info FrameInfo
	var err error
	s.buf, info, err = s.r.Next(ctx, s.buf, s.poll)
	if err != nil {
		return nil, fmt.Errorf("shm source: %w", err)
	}
	s.seq++
	return &engine.Frame{Seq: s.seq, Captured: info.Timestamp, Image: Image(s.buf, info)}, nil
}

// Close releases the mapping.
func (s *Source) Close() error {
	if s.r == nil {
		return nil
	}
	return s.r.Close()
}

// Name implements engine.Source.
func (s *Source) Name() string { return "shm:" + s.name }

// Run implements engine.Source: it emits every new frame of the segment until ctx ends
// (returning ctx.Err(), like the other sources) or reading fails.
func (s *Source) Run(ctx context.Context, emit func(img *image.RGBA, captured time.Time)) error {
	for {
		f, err := s.Next(ctx)
		if err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			return err
		}
		emit(f.Image, f.Captured)
	}
}

var _ engine.Source = (*Source)(nil)
