package preview

import (
	"bytes"
	"context"
	"image/jpeg"
	"sync"
	"sync/atomic"
	"time"

	"github.com/vivid-ml/vivid-ml-engine/engine"
)

// stream holds the newest frame of one picture stream and its newest JPEG.
type stream struct {
	name    string
	quality int

	mu      sync.Mutex
	pending *engine.Frame // newest frame not yet encoded
	last    *engine.Frame // newest frame offered
	jpeg    []byte        // newest encoded picture
	jpegSeq uint64
	changed chan struct{} // closed and replaced when jpeg changes
	wake    chan struct{} // 1-buffered: a frame is pending
	rate    rateMeter

	clients atomic.Int64
	frames  atomic.Uint64 // frames offered
	drops   atomic.Uint64 // frames replaced before they were encoded
	encoded atomic.Uint64
}

func newStream(name string, quality int) *stream {
	return &stream{name: name, quality: quality, changed: make(chan struct{}), wake: make(chan struct{}, 1)}
}

// offer records f as the newest frame; an older one still waiting is dropped.
func (st *stream) offer(f *engine.Frame) {
	st.frames.Add(1)
	st.mu.Lock()
	st.rate.tick(time.Now())
	if st.pending != nil {
		st.drops.Add(1)
	}
	st.pending = f
	st.last = f
	st.mu.Unlock()
	select {
	case st.wake <- struct{}{}:
	default:
	}
}

// run encodes pending frames while someone watches.
func (st *stream) run(ctx context.Context) {
	var buf bytes.Buffer
	for {
		select {
		case <-ctx.Done():
			return
		case <-st.wake:
		}
		st.mu.Lock()
		f := st.pending
		st.pending = nil
		st.mu.Unlock()
		if f == nil || (st.clients.Load() == 0 && st.encoded.Load() > 0) {
			continue // nobody watches: keep only the first picture for snapshots
		}
		buf.Reset()
		if err := jpeg.Encode(&buf, f.Image, &jpeg.Options{Quality: st.quality}); err != nil {
			continue
		}
		st.encoded.Add(1)
		st.mu.Lock()
		st.jpeg = append([]byte(nil), buf.Bytes()...)
		st.jpegSeq++
		close(st.changed)
		st.changed = make(chan struct{})
		st.mu.Unlock()
	}
}

// latest returns the newest JPEG, its sequence number and a channel closed on the next one.
func (st *stream) latest() ([]byte, uint64, <-chan struct{}) {
	st.mu.Lock()
	defer st.mu.Unlock()
	return st.jpeg, st.jpegSeq, st.changed
}

// snapshot returns a JPEG of the newest frame: the encoded one when it is current,
// else encoded now (nobody watches the stream, so the encoder skipped it).
func (st *stream) snapshot(quality int) ([]byte, error) {
	st.mu.Lock()
	f, pic, pending := st.last, st.jpeg, st.pending
	st.mu.Unlock()
	if f == nil || (pic != nil && pending == nil && st.clients.Load() > 0) {
		return pic, nil
	}
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, f.Image, &jpeg.Options{Quality: quality}); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// StreamStatus is one stream's counters in /api/status.
type StreamStatus struct {
	FPS     float64 `json:"fps"`
	Frames  uint64  `json:"frames"`
	Drops   uint64  `json:"drops"`
	Encoded uint64  `json:"encoded"`
	Clients int64   `json:"clients"`
}

func (st *stream) status() StreamStatus {
	st.mu.Lock()
	fps := st.rate.fps(time.Now())
	st.mu.Unlock()
	return StreamStatus{FPS: fps, Frames: st.frames.Load(), Drops: st.drops.Load(),
		Encoded: st.encoded.Load(), Clients: st.clients.Load()}
}

// rateMeter counts events in the last two seconds.
type rateMeter struct{ times []time.Time }

func (m *rateMeter) tick(now time.Time) {
	m.times = append(m.times, now)
	m.trim(now)
}

func (m *rateMeter) trim(now time.Time) {
	i := 0
	for i < len(m.times) && now.Sub(m.times[i]) > 2*time.Second {
		i++
	}
	m.times = m.times[i:]
	if len(m.times) > 4096 {
		m.times = m.times[len(m.times)-4096:]
	}
}

func (m *rateMeter) fps(now time.Time) float64 {
	m.trim(now)
	return float64(len(m.times)) / 2
}
