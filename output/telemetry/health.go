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
	// Paused, when set and true, says the engine is paused: no frames are processed, which
	// is not a failure (the watchdog stays happy) but /healthz says so.
	Paused func() bool
	// Off, when set, reports stages switched off at run time (e.g. pose): not expected to beat.
	Off func(stage string) bool

	mu      sync.Mutex
	started time.Time
	beats   map[string]time.Time // last real frame per stage
	excused map[string]time.Time // last time a stage was not expected to beat (paused, off)
	down    map[string]string
	now     func() time.Time
}

// NewHealth watches the named stages; each must Beat at least every MaxAge.
func NewHealth(stages ...string) *Health {
	h := &Health{MaxAge: 3 * time.Second, beats: map[string]time.Time{}, excused: map[string]time.Time{},
		down: map[string]string{}, now: time.Now}
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

// Report is the state /healthz answers.
type Report struct {
	Status  string   `json:"status"`         // ok, paused or unhealthy
	Flowing bool     `json:"frames_flowing"` // every watched stage produced a frame within MaxAge
	Reasons []string `json:"reasons,omitempty"`
}

// Check returns nil while every watched stage is fresh and nothing is down, or
// the reasons it is not. The first MaxAge after start counts as warm-up; a paused
// engine or a stage switched off is not a reason (and staleness counts from its resume).
func (h *Health) Check() []string { return h.Report().Reasons }

// Report returns the health state: the reasons it is unhealthy, whether frames flow, and whether it is paused.
func (h *Health) Report() Report {
	paused := h.Paused != nil && h.Paused()
	h.mu.Lock()
	defer h.mu.Unlock()
	now := h.now()
	r := Report{Status: "ok", Flowing: true}
	for s, t := range h.beats {
		if paused || h.Off != nil && h.Off(s) {
			h.excused[s] = now // resume counts from now
		}
		if t.IsZero() || now.Sub(t) > h.MaxAge {
			r.Flowing = false
		}
		from := h.started
		if e := h.excused[s]; e.After(from) {
			from = e
		}
		switch {
		case t.IsZero() && now.Sub(from) > h.MaxAge:
			r.Reasons = append(r.Reasons, fmt.Sprintf("stage %s: no frame since start (%s ago)", s, now.Sub(h.started).Round(time.Millisecond)))
		case !t.IsZero() && t.Before(from) && now.Sub(from) > h.MaxAge:
			r.Reasons = append(r.Reasons, fmt.Sprintf("stage %s: last frame %s ago", s, now.Sub(t).Round(time.Millisecond)))
		case !t.IsZero() && !t.Before(from) && now.Sub(t) > h.MaxAge:
			r.Reasons = append(r.Reasons, fmt.Sprintf("stage %s: last frame %s ago", s, now.Sub(t).Round(time.Millisecond)))
		}
	}
	for c, why := range h.down {
		r.Reasons = append(r.Reasons, c+": "+why)
	}
	sort.Strings(r.Reasons)
	switch {
	case len(r.Reasons) > 0:
		r.Status = "unhealthy"
	case paused:
		r.Status = "paused"
	}
	return r
}

// ServeHTTP answers 200 {"status":"ok"|"paused","frames_flowing":…} or
// 503 {"status":"unhealthy","reasons":[…]}.
func (h *Health) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	rep := h.Report()
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	if rep.Status == "unhealthy" {
		w.WriteHeader(http.StatusServiceUnavailable)
	}
	_ = json.NewEncoder(w).Encode(rep)
}
