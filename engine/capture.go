package engine

import (
	"context"
	"errors"
	"image"
	"log/slog"
	"sync/atomic"
	"time"
)

// Capture runs a Source in its own goroutine, stamps frames with a sequence
// number and puts them into a newest-wins mailbox. A source that ends or fails
// is logged and restarted with exponential backoff (MinBackoff doubling up to
// MaxBackoff; reset after a run that delivered frames), unless it ended for good.
type Capture struct {
	src    Source
	out    *Mailbox[*Frame]
	logger *slog.Logger

	MinBackoff, MaxBackoff time.Duration

	seq      atomic.Uint64
	restarts atomic.Uint64
	meter    meter
	warn     *dropWarner

	ctx    context.Context
	cancel context.CancelFunc
	done   chan struct{}
}

// NewCapture returns a capture of src into out; Start begins it.
func NewCapture(src Source, out *Mailbox[*Frame], logger *slog.Logger) *Capture {
	logger = logger.With("component", "source", "source", src.Name())
	return &Capture{
		src: src, out: out, logger: logger,
		MinBackoff: 250 * time.Millisecond, MaxBackoff: 5 * time.Second,
		warn: newDropWarner(logger, "capture"),
		done: make(chan struct{}),
	}
}

// Start launches the capture goroutine.
func (c *Capture) Start(ctx context.Context) {
	c.ctx, c.cancel = context.WithCancel(ctx)
	go c.run()
}

// Close stops the source and waits for the capture goroutine.
func (c *Capture) Close() error {
	if c.cancel == nil {
		return nil
	}
	c.cancel()
	<-c.done
	return nil
}

// Done is closed when the capture goroutine has ended.
func (c *Capture) Done() <-chan struct{} { return c.done }

// Stats returns frames captured, drops at the mailbox and source failures.
func (c *Capture) Stats() StageStats { return c.meter.snapshot(c.out.Drops()) }

// Restarts counts source restarts.
func (c *Capture) Restarts() uint64 { return c.restarts.Load() }

func (c *Capture) run() {
	defer close(c.done)
	backoff := c.MinBackoff
	for c.ctx.Err() == nil {
		before := c.seq.Load()
		c.logger.Info("source starting")
		err := c.src.Run(c.ctx, c.emit)
		if c.ctx.Err() != nil {
			return
		}
		if c.seq.Load() > before {
			backoff = c.MinBackoff
		}
		if errors.Is(err, ErrSourceEnded) {
			c.logger.Warn("source ended; not restarting", "err", err)
			return
		}
		if err != nil {
			c.meter.failed()
			c.logger.Error("source failed; restarting", "err", err, "in", backoff)
		} else {
			c.logger.Warn("source ended; restarting", "in", backoff)
		}
		c.restarts.Add(1)
		t := time.NewTimer(backoff)
		select {
		case <-c.ctx.Done():
			t.Stop()
			return
		case <-t.C:
		}
		backoff = min(backoff*2, c.MaxBackoff)
	}
}

func (c *Capture) emit(img *image.RGBA, captured time.Time) {
	if c.ctx.Err() != nil {
		return
	}
	f := &Frame{Seq: c.seq.Add(1), Captured: captured, Image: img}
	now := time.Now()
	c.meter.done(now, 0, time.Time{})
	if c.out.Put(f) {
		c.warn.dropped(now)
	}
}
