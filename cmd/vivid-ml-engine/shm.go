package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"image/png"
	"log/slog"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/vivid-ml/vivid-ml-engine/output/shm"
)

const shmUsage = `usage:
  vivid-ml-engine shm read NAME [--out frame.png] [--timeout 5s] [--verify]
  vivid-ml-engine shm write NAME [--size 640x360] [--frames 0] [--fps 0] [--slots 3] [--resize-every 0]
  vivid-ml-engine shm view NAME [--http 127.0.0.1:8080]
`

// cmdShm is the "shm" command: read a frame out of a segment, write a test pattern into one,
// or show one in the web preview.
func cmdShm(ctx context.Context, args []string) error {
	for _, a := range args[:min(2, len(args))] {
		if isHelp(a) { // `shm -h`, `shm read -h`: never a segment named "-h"
			return helpFor(shmUsage)
		}
	}
	if len(args) < 2 {
		fmt.Fprint(os.Stderr, shmUsage)
		return errUsage
	}
	verb, name, rest := args[0], args[1], args[2:]
	switch verb {
	case "read":
		return shmRead(ctx, name, rest)
	case "write":
		return shmWrite(ctx, name, rest)
	case "view":
		return shmView(ctx, name, rest)
	}
	fmt.Fprint(os.Stderr, shmUsage)
	return errUsage
}

// shmReadResult is the JSON line `shm read` prints.
type shmReadResult struct {
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

func shmRead(ctx context.Context, name string, args []string) error {
	fs := flag.NewFlagSet("shm read", flag.ContinueOnError)
	out := fs.String("out", "", "write the frame as a PNG file")
	timeout := fs.Duration("timeout", 5*time.Second, "how long to wait for the segment and a frame")
	verify := fs.Bool("verify", false, "check the frame holds an intact `shm write` test pattern (exit 1 if not)")
	if err := fs.Parse(args); err != nil {
		return errUsage
	}
	ctx, cancel := context.WithTimeout(ctx, *timeout)
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
	defer r.Close()
	pix, info, err := r.Next(ctx, nil, time.Millisecond)
	if err != nil {
		return fmt.Errorf("reading %s: %w", name, err)
	}
	res := shmReadResult{Name: name, Width: info.Width, Height: info.Height, Frame: info.Frame,
		Generation: info.Generation, Timestamp: info.Timestamp.UnixNano(), Out: *out}
	var verr error
	if *verify {
		// Intact pattern; its frame number may differ from info.Frame when the
		// frames came through another engine (--source shm:A --shm-out B).
		fn, err := shm.CheckPattern(pix[:4*info.Width*info.Height])
		ok := err == nil
		res.PatternOK, res.PatternFn = &ok, fn
		if !ok {
			verr = fmt.Errorf("frame %d: %w", info.Frame, err)
		}
	}
	if *out != "" {
		f, err := os.Create(*out)
		if err != nil {
			return err
		}
		enc := png.Encoder{CompressionLevel: png.BestSpeed}
		if err := errors.Join(enc.Encode(f, shm.Image(pix, info)), f.Close()); err != nil {
			return fmt.Errorf("writing %s: %w", *out, err)
		}
	}
	if err := json.NewEncoder(os.Stdout).Encode(res); err != nil {
		return err
	}
	return verr
}

// parseSize parses "WxH".
func parseSize(s string) (int, int, error) {
	a, b, ok := strings.Cut(s, "x")
	w, err1 := strconv.Atoi(a)
	h, err2 := strconv.Atoi(b)
	if !ok || err1 != nil || err2 != nil || w <= 0 || h <= 0 || w > 16384 || h > 16384 {
		return 0, 0, fmt.Errorf("bad size %q (want WxH, e.g. 640x360)", s)
	}
	return w, h, nil
}

// shmWrite publishes checksummed test-pattern frames (see shm.FillPattern) until ctx
// ends or --frames are written: a writer to test readers and hosts against.
func shmWrite(ctx context.Context, name string, args []string) error {
	fs := flag.NewFlagSet("shm write", flag.ContinueOnError)
	size := fs.String("size", "640x360", "frame size WxH")
	frames := fs.Uint64("frames", 0, "stop after this many frames (0: until interrupted)")
	fps := fs.Float64("fps", 0, "frames per second (0: as fast as possible)")
	slots := fs.Int("slots", shm.DefaultSlots, "ring slots")
	resize := fs.Uint64("resize-every", 0, "alternate between SIZE and half of it every N frames (tests readers' resize handling)")
	if err := fs.Parse(args); err != nil {
		return errUsage
	}
	wd, ht, err := parseSize(*size)
	if err != nil {
		return err
	}
	w, err := shm.NewWriter(shm.WriterConfig{Name: name, Slots: *slots, Logger: outputLogger()})
	if err != nil {
		return err
	}
	pix := make([]byte, 4*wd*ht)
	var tick <-chan time.Time
	if *fps > 0 {
		t := time.NewTicker(time.Duration(float64(time.Second) / *fps))
		defer t.Stop()
		tick = t.C
	}
	var n uint64
	for ; *frames == 0 || n < *frames; n++ {
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
		if *resize > 0 && (n / *resize)%2 == 1 {
			fw, fh = max(wd/2, 1), max(ht/2, 1)
		}
		frame := pix[:4*fw*fh]
		shm.FillPattern(frame, w.Frames()+1) // the frame number this write gets (continues after a takeover)
		if err := w.Write(frame, fw, fh, 4*fw, time.Now()); err != nil {
			w.Close()
			return err
		}
	}
	fmt.Fprintf(os.Stdout, "{\"name\":%q,\"frames\":%d}\n", name, w.Frames())
	return w.Close()
}

// outputLogger is the text logger on stderr the output commands use.
func outputLogger() *slog.Logger { return slog.New(slog.NewTextHandler(os.Stderr, nil)) }
