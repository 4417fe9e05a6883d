package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"time"

	"github.com/vivid-ml/vivid-ml-engine/output/shm"
)

// benchShmResult is the JSON line `bench shm` prints.
type benchShmResult struct {
	Bench     string  `json:"bench"`
	Width     int     `json:"width"`
	Height    int     `json:"height"`
	Frames    int     `json:"frames"`
	Slots     int     `json:"slots"`
	FPS       float64 `json:"fps"`
	MemcpyFPS float64 `json:"memcpy_fps"`
	Ratio     float64 `json:"ratio"`
	Dir       string  `json:"dir"`
}

// benchShm measures frames per second through the shared-memory writer and a plain
// copy() of the same bytes into a ring of the same number of heap buffers, same run.
func benchShm(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("bench shm", flag.ContinueOnError)
	size := fs.String("size", "1920x1080", "frame size WxH")
	frames := fs.Int("frames", 600, "frames per measurement")
	rounds := fs.Int("rounds", 3, "alternating measurement rounds (best of each kept)")
	slots := fs.Int("slots", shm.DefaultSlots, "ring slots")
	name := fs.String("name", fmt.Sprintf("bench-%d", os.Getpid()), "segment name")
	if err := fs.Parse(args); err != nil {
		return errUsage
	}
	w, h, err := parseSize(*size)
	if err != nil {
		return err
	}
	wr, err := shm.NewWriter(shm.WriterConfig{Name: *name, Slots: *slots, Logger: outputLogger()})
	if err != nil {
		return err
	}
	defer wr.Close()
	src := make([]byte, 4*w*h)
	shm.FillPattern(src, 1)
	ring := make([][]byte, *slots)
	for i := range ring {
		ring[i] = make([]byte, len(src))
	}
	now := time.Now()
	measure := func(fn func(i int) error) (float64, error) {
		for i := 0; i < 2**slots; i++ { // warm up: fault in every page once
			if err := fn(i); err != nil {
				return 0, err
			}
		}
		start := time.Now()
		for i := 0; i < *frames; i++ {
			if err := fn(i); err != nil {
				return 0, err
			}
			if ctx.Err() != nil {
				return 0, ctx.Err()
			}
		}
		return float64(*frames) / time.Since(start).Seconds(), nil
	}
	// Alternate the two, best of --rounds each, so machine noise hits both alike.
	var fps, memcpy float64
	for r := 0; r < *rounds; r++ {
		m, err := measure(func(i int) error { copy(ring[i%len(ring)], src); return nil })
		if err != nil {
			return err
		}
		f, err := measure(func(i int) error { return wr.Write(src, w, h, 4*w, now) })
		if err != nil {
			return err
		}
		memcpy, fps = max(memcpy, m), max(fps, f)
	}
	return json.NewEncoder(os.Stdout).Encode(benchShmResult{Bench: "shm", Width: w, Height: h, Frames: *frames,
		Slots: *slots, FPS: round1(fps), MemcpyFPS: round1(memcpy), Ratio: round3(fps / memcpy), Dir: shm.Dir()})
}

func round1(v float64) float64 { return float64(int64(v*10+0.5)) / 10 }
func round3(v float64) float64 { return float64(int64(v*1000+0.5)) / 1000 }
