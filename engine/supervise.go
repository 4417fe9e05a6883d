package engine

import (
	"context"
	"log/slog"
	"sync/atomic"
	"time"
)

// Restarter is implemented by stages that can drop their state and start over
// (the pose stage reloads its model). The loop calls it when the stage keeps failing.
type Restarter interface {
	Restart() error
}

// supervisor backs off a stage that keeps failing: after failLimit consecutive
// errors it restarts the stage (when it is a Restarter) and pauses it for a
// backoff that doubles from 250 ms to 5 s, so a broken model or device costs
// nothing while the other stages and outputs keep running. Frames that arrive
// meanwhile are replaced in the stage's mailbox (newest wins).
type supervisor struct {
	stage    string
	target   any
	log      *slog.Logger
	fails    int
	backoff  time.Duration
	restarts atomic.Uint64
}

const (
	failLimit  = 3
	minBackoff = 250 * time.Millisecond
	maxBackoff = 5 * time.Second
)

func newSupervisor(stage string, target any, log *slog.Logger) *supervisor {
	return &supervisor{stage: stage, target: target, log: log}
}

// ok records a successful run.
func (s *supervisor) ok() {
	if s.fails >= failLimit {
		s.log.Info("stage recovered", "stage", s.stage)
	}
	s.fails, s.backoff = 0, 0
}

// nextBackoff doubles the pause, from minBackoff up to maxBackoff.
func (s *supervisor) nextBackoff() time.Duration {
	if s.backoff == 0 {
		s.backoff = minBackoff
	} else {
		s.backoff = min(2*s.backoff, maxBackoff)
	}
	return s.backoff
}

// failed records a failed run; past the limit it restarts the stage and waits
// (false when ctx ended while waiting).
func (s *supervisor) failed(ctx context.Context, err error) bool {
	s.fails++
	if s.fails < failLimit {
		return true
	}
	s.nextBackoff()
	s.restarts.Add(1)
	s.log.Warn("stage keeps failing; restarting it after a pause", "stage", s.stage,
		"failures", s.fails, "pause", s.backoff, "err", err)
	if r, ok := s.target.(Restarter); ok {
		if rerr := r.Restart(); rerr != nil {
			s.log.Warn("stage restart failed", "stage", s.stage, "err", rerr)
		}
	}
	t := time.NewTimer(s.backoff)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}
