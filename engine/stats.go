package engine

import (
	"slices"
	"sync"
	"time"
)

// StageStats describes one stage of the frame loop. It is a plain value the
// lead can expose on /metrics.
type StageStats struct {
	Frames    uint64  `json:"frames"`     // frames this stage finished
	Drops     uint64  `json:"drops"`      // frames replaced before this stage took them
	Errors    uint64  `json:"errors"`     // failed runs (stage errors, source failures)
	FPS       float64 `json:"fps"`        // frames per second over the last 2 s (0 when none came)
	LatencyMs float64 `json:"latency_ms"` // smoothed time spent inside the stage
	// LatencyP50Ms and LatencyP99Ms are percentiles of the stage time over the last 2 s.
	LatencyP50Ms float64 `json:"latency_p50_ms"`
	LatencyP99Ms float64 `json:"latency_p99_ms"`
	AgeMs        float64 `json:"age_ms"`   // smoothed capture → stage-done time
	Restarts     uint64  `json:"restarts"` // operator restarts after repeated failures
}

// Stats is a snapshot of the whole engine.
type Stats struct {
	Capture   StageStats      `json:"capture"`
	Loop      StageStats      `json:"loop"`
	Operators []OperatorStats `json:"operators"` // one per operator, in loop order
	Restarts  uint64          `json:"source_restarts"`
}

// OperatorStats are one operator's counters under its name.
type OperatorStats struct {
	Name string `json:"name"`
	StageStats
}

// Stage returns the counters of the operator called name (zero when there is none).
func (s Stats) Stage(name string) StageStats {
	for _, o := range s.Operators {
		if o.Name == name {
			return o.StageStats
		}
	}
	return StageStats{}
}

// meter accumulates StageStats. Rates and latency percentiles come from the frames
// of the last rateWindow (a true count, not a smoothed 1/Δt: bursts cannot spike it
// to thousands, and it falls to 0 when frames stop, e.g. while paused); the mean
// latency and age are smoothed (factor 0.1).
type meter struct {
	mu    sync.Mutex
	s     StageStats
	first time.Time
	ring  [meterRing]sample // the most recent frames, oldest overwritten
	n     int               // samples written in total
	now   func() time.Time  // for tests; nil is time.Now
}

type sample struct {
	at   time.Time
	took float64 // ms
}

const (
	ewma       = 0.1
	rateWindow = 2 * time.Second
	meterRing  = 2048 // frames kept: 1024 fps over the window
)

// done records one finished frame: took is the time in the stage, captured the frame's capture time.
func (m *meter) done(now time.Time, took time.Duration, captured time.Time) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.s.Frames++
	if m.first.IsZero() {
		m.first = now
	}
	m.ring[m.n%meterRing] = sample{at: now, took: float64(took) / 1e6}
	m.n++
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
	now := time.Now()
	if m.now != nil {
		now = m.now()
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	s := m.s
	s.Drops = drops
	s.FPS, s.LatencyP50Ms, s.LatencyP99Ms = m.window(now)
	return s
}

// window is the frame rate over the last rateWindow (over the time since the first
// frame, at least one second, while the engine is younger than that) and the
// 50th/99th percentile of the stage time of those frames. Caller holds mu.
func (m *meter) window(now time.Time) (fps, p50, p99 float64) {
	if m.n == 0 {
		return 0, 0, 0
	}
	span := rateWindow
	if age := now.Sub(m.first); age < span {
		span = max(age, time.Second)
	}
	from := now.Add(-span)
	var took []float64
	for i := 1; i <= min(m.n, meterRing); i++ {
		x := m.ring[(m.n-i)%meterRing]
		if !x.at.After(from) {
			break
		}
		took = append(took, x.took)
	}
	if len(took) == 0 {
		return 0, 0, 0
	}
	if len(took) == meterRing { // more frames than the ring holds: rate over what it holds
		span = now.Sub(m.ring[m.n%meterRing].at)
	}
	slices.Sort(took)
	pct := func(q float64) float64 { return took[min(len(took)-1, int(q*float64(len(took))))] }
	return float64(len(took)) / span.Seconds(), pct(0.5), pct(0.99)
}

func smooth(old, v float64, n uint64) float64 {
	if n <= 2 {
		return v
	}
	return old + ewma*(v-old)
}
