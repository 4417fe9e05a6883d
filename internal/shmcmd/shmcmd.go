// Package shmcmd holds the bodies of the `shm` subcommands: read one frame out of a
// shared-memory segment, write a checksummed test pattern into one, show one in the web
// preview. The flags are parsed in cmd/vivid-ml-engine; read and write write their one
// JSON line to the writer they are given, as internal/bench's bodies do.
package shmcmd

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"image/png"
	"io"
	"log/slog"
	"os"
	"time"

	"github.com/vivid-ml/vivid-ml-engine/engine"
	"github.com/vivid-ml/vivid-ml-engine/output/preview"
	"github.com/vivid-ml/vivid-ml-engine/output/shm"
)

// ReadResult is the JSON line `shm read` prints.
type ReadResult struct {
	Name       string `json:"name"`
	Width      int    `json:"width"`
	Height     int    `json:"height"`
	Frame      uint64 `json:"frame"`
	Generation uint64 `json:"generation"`
	Timestamp  int64  `json:"timestamp_ns"`
	Out        string `json:"out,omitempty"`
	PatternOK  *bool  `json:"pattern_ok,omitempty"`
	PatternFn  uint64 `json:"pattern_frame,omitempty"` // frame number inside the pattern (the first writer's)
}

// ReadConfig configures Read (the `shm read` flags of the same names).
type ReadConfig struct {
	Name    string        // the segment
	Out     string        // write the frame as a PNG file; empty: not
	Timeout time.Duration // how long to wait for the segment and a frame
	Verify  bool          // check the frame holds an intact `shm write` test pattern
}

// Read waits for the segment and its next frame, writes the frame to Out and one JSON
// line to w. With Verify, a frame that is not an intact pattern is an error after the line.
func Read(ctx context.Context, c ReadConfig, w io.Writer) error {
	name := c.Name
	ctx, cancel := context.WithTimeout(ctx, c.Timeout)
	defer cancel()
	var r *shm.Reader
	for r == nil {
		var err error
		r, err = shm.OpenReader(name)
		if err != nil && !errors.Is(err, shm.ErrNotFound) {
			return err
		}
		if r == nil {
			select {
			case <-ctx.Done():
				return fmt.Errorf("%w: %s", shm.ErrNotFound, shm.Path(name))
			case <-time.After(10 * time.Millisecond):
			}
		}
	}
	defer func() { _ = r.Close() }() // a reader only maps the segment: nothing to report
	pix, info, err := r.Next(ctx, nil, time.Millisecond)
	if err != nil {
		return fmt.Errorf("reading %s: %w", name, err)
	}
	res := ReadResult{Name: name, Width: info.Width, Height: info.Height, Frame: info.Frame,
		Generation: info.Generation, Timestamp: info.Timestamp.UnixNano(), Out: c.Out}
	var verr error
	if c.Verify {
		// Intact pattern; its frame number may differ from info.Frame when the
		// frames came through another engine (--source shm:A --shm-out B).
		fn, err := shm.CheckPattern(pix[:4*info.Width*info.Height])
		ok := err == nil
		res.PatternOK, res.PatternFn = &ok, fn
		if !ok {
			verr = fmt.Errorf("frame %d: %w", info.Frame, err)
		}
	}
	if c.Out != "" {
		f, err := os.Create(c.Out)
		if err != nil {
			return err
		}
		enc := png.Encoder{CompressionLevel: png.BestSpeed}
		if err := errors.Join(enc.Encode(f, shm.Image(pix, info)), f.Close()); err != nil {
			return fmt.Errorf("writing %s: %w", c.Out, err)
		}
	}
	if err := json.NewEncoder(w).Encode(res); err != nil {
		return err
	}
	return verr
}

// WriteConfig configures Write (the `shm write` flags of the same names).
type WriteConfig struct {
	Name          string
	Width, Height int
	Frames        uint64  // stop after this many frames (0: until ctx ends)
	FPS           float64 // frames per second (0: as fast as possible)
	Slots         int
	ResizeEvery   uint64 // alternate between the size and half of it every N frames (0: never)
	Logger        *slog.Logger
}

// Write publishes checksummed test-pattern frames (see shm.FillPattern) until ctx ends or
// Frames are written — a writer to test readers and hosts against — then writes one JSON
// line with the frame count to w.
func Write(ctx context.Context, c WriteConfig, out io.Writer) error {
	wd, ht := c.Width, c.Height
	w, err := shm.NewWriter(shm.WriterConfig{Name: c.Name, Slots: c.Slots, Logger: c.Logger})
	if err != nil {
		return err
	}
	pix := make([]byte, 4*wd*ht)
	var tick <-chan time.Time
	if c.FPS > 0 {
		t := time.NewTicker(time.Duration(float64(time.Second) / c.FPS))
		defer t.Stop()
		tick = t.C
	}
	var n uint64
	for ; c.Frames == 0 || n < c.Frames; n++ {
		if ctx.Err() != nil {
			break
		}
		if tick != nil {
			select {
			case <-ctx.Done():
			case <-tick:
			}
		}
		fw, fh := wd, ht
		if c.ResizeEvery > 0 && (n/c.ResizeEvery)%2 == 1 {
			fw, fh = max(wd/2, 1), max(ht/2, 1)
		}
		frame := pix[:4*fw*fh]
		shm.FillPattern(frame, w.Frames()+1) // the frame number this write gets (continues after a takeover)
		if err := w.Write(frame, fw, fh, 4*fw, time.Now()); err != nil {
			_ = w.Close() // the write error is the one to report
			return err
		}
	}
	_, _ = fmt.Fprintf(out, "{\"name\":%q,\"frames\":%d}\n", c.Name, w.Frames()) // stdout: nothing to do if it fails
	return w.Close()
}

// View shows a segment's frames as the "input" stream of the web preview at addr until
// ctx ends.
func View(ctx context.Context, name, addr string, log *slog.Logger) error {
	src, err := shm.NewSource(name, log)
	if err != nil {
		return err
	}
	defer func() { _ = src.Close() }() // the view is over: nothing to report
	srv, err := preview.New(preview.Config{Addr: addr, Logger: log})
	if err != nil {
		return err
	}
	defer func() { _ = srv.Close() }()
	for {
		f, err := src.Next(ctx)
		if errors.Is(err, context.Canceled) {
			return nil
		}
		if err != nil {
			return err
		}
		srv.WriteFrame(engine.StreamInput, f)
	}
}
