package engine

import (
	"testing"
	"time"
)

// TestMeterRate: the rate is frames counted over the last 2 s: a burst does not
// spike it, it falls to 0 when frames stop (paused), and percentiles cover the window.
func TestMeterRate(t *testing.T) {
	t0 := time.Unix(1000, 0)
	now := t0
	m := &meter{now: func() time.Time { return now }}
	frames := func(n int, every, took time.Duration) {
		for range n {
			now = now.Add(every)
			m.done(now, took, time.Time{})
		}
	}
	tests := []struct {
		name     string
		run      func()
		fps      float64
		p50, p99 float64
	}{
		{"none yet", func() {}, 0, 0, 0},
		{"25 fps for 3.6 s", func() { frames(90, 40*time.Millisecond, 10*time.Millisecond) }, 25, 10, 10},
		{"burst of 100 in 10 ms", func() { frames(100, 100*time.Microsecond, time.Millisecond) }, (50 + 100) / 2.0, 1, 10},
		{"paused 3 s", func() { now = now.Add(3 * time.Second) }, 0, 0, 0},
		{"one frame after the pause", func() { frames(1, 0, 5*time.Millisecond) }, 0.5, 5, 5},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tc.run()
			s := m.snapshot(0)
			if d := s.FPS - tc.fps; d > 0.01 || d < -0.01 || s.LatencyP50Ms != tc.p50 || s.LatencyP99Ms != tc.p99 {
				t.Fatalf("fps %v p50 %v p99 %v, want %v %v %v", s.FPS, s.LatencyP50Ms, s.LatencyP99Ms, tc.fps, tc.p50, tc.p99)
			}
		})
	}
}
