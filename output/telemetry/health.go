package telemetry

import (
	"encoding/json"
	"fmt"
	"net/http"
	"sort"
	"sync"
	"time"
)

// Health tracks when each required stage last produced a frame and whether a
// component reported itself down (e.g. a source restarting with backoff).
type Health struct {
	MaxAge time.Duration // a stage silent for longer is unhealthy (default 3 s)
	// Paused, when set and true, suspends the staleness checks (a paused engine sends no frames).
	Paused func() bool

	mu      sync.Mutex
	started time.Time
	beats   map[string]time.Time
	down    map[string]string
	now     func() time.Time
}

// NewHealth watches the named stages; each must Beat at least every MaxAge.
func NewHealth(stages ...string) *Health {
	h := &Health{MaxAge: 3 * time.Second, beats: map[string]time.Time{}, down: map[string]string{}, now: time.Now}
	h.started = h.now()
	for _, s := range stages {
		h.beats[s] = time.Time{}
	}
	return h
}

// Beat records a frame from stage.
func (h *Health) Beat(stage string) {
	h.mu.Lock()
	h.beats[stage] = h.now()
	h.mu.Unlock()
}

// SetDown marks component as failing with reason; an empty reason clears it.
func (h *Health) SetDown(component, reason string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if reason == "" {
		delete(h.down, component)
		return
	}
	h.down[component] = reason
}

// Check returns nil while every watched stage is fresh and nothing is down, or
// the reasons it is not. The first MaxAge after start counts as warm-up.
func (h *Health) Check() []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	now := h.now()
	var reasons []string
	if h.Paused != nil && h.Paused() {
		for s := range h.beats {
			h.beats[s] = now // resume counts from now
		}
	}
	for s, t := range h.beats {
		switch {
		case t.IsZero() && now.Sub(h.started) > h.MaxAge:
			reasons = append(reasons, fmt.Sprintf("stage %s: no frame since start (%s ago)", s, now.Sub(h.started).Round(time.Millisecond)))
		case !t.IsZero() && now.Sub(t) > h.MaxAge:
			reasons = append(reasons, fmt.Sprintf("stage %s: last frame %s ago", s, now.Sub(t).Round(time.Millisecond)))
		}
	}
	for c, r := range h.down {
		reasons = append(reasons, c+": "+r)
	}
	sort.Strings(reasons)
	return reasons
}

// ServeHTTP answers 200 {"status":"ok"} or 503 {"status":"unhealthy","reasons":[…]}.
func (h *Health) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	reasons := h.Check()
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	if len(reasons) > 0 {
		w.WriteHeader(http.StatusServiceUnavailable)
		_ = json.NewEncoder(w).Encode(map[string]any{"status": "unhealthy", "reasons": reasons})
		return
	}
	_ = json.NewEncoder(w).Encode(map[string]any{"status": "ok"})
}
