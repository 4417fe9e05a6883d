package engine

import (
	"context"
	"errors"
	"fmt"
	"image"
	"io"
	"time"
)

// RawSource reads tightly packed RGBA frames of a fixed size from a reader
// (the `stdin:WxH` source). End of input ends the source for good.
type RawSource struct {
	Label         string
	R             io.Reader
	Width, Height int
}

// Name implements Source.
func (s *RawSource) Name() string { return s.Label }

// Run implements Source. A blocked read of a terminal or pipe cannot be
// interrupted, so reading happens in a helper goroutine that Run stops waiting
// for on cancel; it ends with the process or the next read.
func (s *RawSource) Run(ctx context.Context, emit func(*image.RGBA, time.Time)) error {
	done := make(chan error, 1)
	go func() { done <- readRawFrames(ctx, s.R, s.Width, s.Height, emit, true) }()
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
		return ctx.Err()
	}
}

// readRawFrames reads w×h RGBA frames until EOF or ctx is done. eofFinal marks
// a clean EOF as ErrSourceEnded (nothing to restart).
func readRawFrames(ctx context.Context, r io.Reader, w, h int, emit func(*image.RGBA, time.Time), eofFinal bool) error {
	for ctx.Err() == nil {
		img := image.NewRGBA(image.Rect(0, 0, w, h))
		_, err := io.ReadFull(r, img.Pix)
		switch {
		case err == nil:
			emit(img, time.Now())
		case errors.Is(err, io.EOF):
			if eofFinal {
				return fmt.Errorf("%w: end of input", ErrSourceEnded)
			}
			return nil
		case errors.Is(err, io.ErrUnexpectedEOF):
			return fmt.Errorf("read frame: input ended inside a %dx%d frame", w, h)
		default:
			if ctx.Err() != nil {
				return ctx.Err()
			}
			return fmt.Errorf("read frame: %w", err)
		}
	}
	return ctx.Err()
}
