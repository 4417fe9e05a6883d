package bench

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"time"

	"github.com/vivid-ml/vivid-ml-engine/output/shm"
)

// ShmConfig configures Shm (`bench shm` flags of the same names).
type ShmConfig struct {
	Width, Height int // frame size
	Frames        int // frames per measurement
	Slots         int // ring slots
	Name          string
	Logger        *slog.Logger
}

// ShmResult is the JSON line `bench shm` prints.
type ShmResult struct {
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

// Shm measures frames per second through the shared-memory writer and a plain
// copy() of the same bytes into a ring of the same number of heap buffers, in
// alternating batches of the same run.
func Shm(ctx context.Context, c ShmConfig, out io.Writer) error {
	w, h, frames, slots := c.Width, c.Height, &c.Frames, &c.Slots
	wr, err := shm.NewWriter(shm.WriterConfig{Name: c.Name, Slots: *slots, Logger: c.Logger})
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
	memcpyOne := func(i int) error { copy(ring[i%len(ring)], src); return nil }
	shmOne := func(i int) error { return wr.Write(src, w, h, 4*w, now) }
	for i := 0; i < 2**slots; i++ { // warm up: fault in every page once
		memcpyOne(i)
		if err := shmOne(i); err != nil {
			return err
		}
	}
	// Alternate short batches of the two so machine noise hits both alike; sum the times.
	const batch = 20
	var tMemcpy, tShm time.Duration
	n := 0
	for ; n < *frames; n += batch {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		start := time.Now()
		for i := n; i < n+batch; i++ {
			memcpyOne(i)
		}
		mid := time.Now()
		for i := n; i < n+batch; i++ {
			if err := shmOne(i); err != nil {
				return err
			}
		}
		tMemcpy += mid.Sub(start)
		tShm += time.Since(mid)
	}
	fps := float64(n) / tShm.Seconds()
	memcpy := float64(n) / tMemcpy.Seconds()
	return json.NewEncoder(out).Encode(ShmResult{Bench: "shm", Width: w, Height: h, Frames: n,
		Slots: *slots, FPS: round1(fps), MemcpyFPS: round1(memcpy), Ratio: round3(fps / memcpy), Dir: shm.Dir()})
}

func round1(v float64) float64 { return float64(int64(v*10+0.5)) / 10 }
func round3(v float64) float64 { return float64(int64(v*1000+0.5)) / 1000 }
