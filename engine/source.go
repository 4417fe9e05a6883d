package engine

import (
	"context"
	"image"
	"time"
)

// Source produces pictures until it ends, fails or ctx is cancelled. Run returns
// nil when the source ended normally (it may be restarted), an error when it failed,
// or an error wrapping ErrSourceEnded when restarting it is pointless.
// emit hands over img; the source must not modify img afterwards (it may emit it again).
type Source interface {
	Name() string
	Run(ctx context.Context, emit func(img *image.RGBA, captured time.Time)) error
}

// pacer sleeps so that frames come at most fps times per second.
type pacer struct {
	every time.Duration
	next  time.Time
}

func newPacer(fps float64) *pacer {
	if fps <= 0 {
		fps = 30
	}
	return &pacer{every: time.Duration(float64(time.Second) / fps)}
}

// wait blocks until the next frame is due; false when ctx is done.
func (p *pacer) wait(ctx context.Context) bool {
	now := time.Now()
	if p.next.IsZero() || now.Sub(p.next) > p.every {
		p.next = now // first frame, or far behind: don't burst to catch up
	}
	if d := p.next.Sub(now); d > 0 {
		t := time.NewTimer(d)
		select {
		case <-ctx.Done():
			t.Stop()
			return false
		case <-t.C:
		}
	} else if ctx.Err() != nil {
		return false
	}
	p.next = p.next.Add(p.every)
	return true
}
