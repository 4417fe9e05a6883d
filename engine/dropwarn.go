package engine

import (
	"log/slog"
	"sync"
	"time"
)

// dropWarner logs dropped frames at most once per interval, with the count since
// the last warning, so a slow stage is visible without flooding the log.
type dropWarner struct {
	logger   *slog.Logger
	what     string
	interval time.Duration

	mu      sync.Mutex
	pending uint64
	last    time.Time
}

func newDropWarner(logger *slog.Logger, what string) *dropWarner {
	return &dropWarner{logger: logger, what: what, interval: 10 * time.Second}
}

// dropped records one drop and logs when the interval has passed.
func (w *dropWarner) dropped(now time.Time) {
	w.mu.Lock()
	w.pending++
	if now.Sub(w.last) < w.interval {
		w.mu.Unlock()
		return
	}
	n := w.pending
	w.pending, w.last = 0, now
	w.mu.Unlock()
	w.logger.Warn("stage too slow, dropping frames (newest wins)", "stage", w.what, "dropped", n)
}
