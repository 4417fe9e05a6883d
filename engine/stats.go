package engine

import (
	"sync"
	"time"
)

// StageStats describes one stage of the frame loop. It is a plain value the
// lead can expose on /metrics.
type StageStats struct {
	Frames    uint64  `json:"frames"`     // frames this stage finished
	Drops     uint64  `json:"drops"`      // frames replaced before this stage took them
	Errors    uint64  `json:"errors"`     // failed runs (stage errors, source failures)
	FPS       float64 `json:"fps"`        // smoothed output rate
	LatencyMs float64 `json:"latency_ms"` // smoothed time spent inside the stage
	AgeMs     float64 `json:"age_ms"`     // smoothed capture → stage-done time
	Restarts  uint64  `json:"restarts"`   // restarts after repeated failures (pose, diffusion)
}

// Stats is a snapshot of the whole engine.
type Stats struct {
	Capture   StageStats `json:"capture"`
	Loop      StageStats `json:"loop"`
	Pose      StageStats `json:"pose"`
	Diffusion StageStats `json:"diffusion"`
	Restarts  uint64     `json:"source_restarts"`
}

// meter accumulates StageStats with exponential smoothing (factor 0.1).
type meter struct {
	mu   sync.Mutex
	s    StageStats
	last time.Time
}

const ewma = 0.1

// done records one finished frame: took is the time in the stage, captured the frame's capture time.
func (m *meter) done(now time.Time, took time.Duration, captured time.Time) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.s.Frames++
	if !m.last.IsZero() {
		if dt := now.Sub(m.last).Seconds(); dt > 0 {
			m.s.FPS = smooth(m.s.FPS, 1/dt, m.s.Frames)
		}
	}
	m.last = now
	m.s.LatencyMs = smooth(m.s.LatencyMs, float64(took)/1e6, m.s.Frames)
	if !captured.IsZero() {
		m.s.AgeMs = smooth(m.s.AgeMs, float64(now.Sub(captured))/1e6, m.s.Frames)
	}
}

func (m *meter) failed() {
	m.mu.Lock()
	m.s.Errors++
	m.mu.Unlock()
}

func (m *meter) snapshot(drops uint64) StageStats {
	m.mu.Lock()
	defer m.mu.Unlock()
	s := m.s
	s.Drops = drops
	return s
}

func smooth(old, v float64, n uint64) float64 {
	if n <= 2 {
		return v
	}
	return old + ewma*(v-old)
}
