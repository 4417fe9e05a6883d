package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/vivid-ml/vivid-ml-engine/internal/shmcmd"
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

func shmRead(ctx context.Context, name string, args []string) error {
	fs := flag.NewFlagSet("shm read", flag.ContinueOnError)
	out := fs.String("out", "", "write the frame as a PNG file")
	timeout := fs.Duration("timeout", 5*time.Second, "how long to wait for the segment and a frame")
	verify := fs.Bool("verify", false, "check the frame holds an intact `shm write` test pattern (exit 1 if not)")
	if err := fs.Parse(args); err != nil {
		return errUsage
	}
	return shmcmd.Read(ctx, shmcmd.ReadConfig{Name: name, Out: *out, Timeout: *timeout, Verify: *verify}, os.Stdout)
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
// ends or --frames are written: a writer to test readers and hosts against (internal/shmcmd).
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
	return shmcmd.Write(ctx, shmcmd.WriteConfig{Name: name, Width: wd, Height: ht, Frames: *frames, FPS: *fps,
		Slots: *slots, ResizeEvery: *resize, Logger: outputLogger()}, os.Stdout)
}

// outputLogger is the text logger on stderr the output commands use.
func outputLogger() *slog.Logger { return slog.New(slog.NewTextHandler(os.Stderr, nil)) }
