package engine

import (
	"context"
	"log/slog"
	"slices"
	"sync"
	"time"
)

// PoseEstimator is the pose stage as PoseOperator sees it; engine/pose implements it.
// It is called from one goroutine only.
type PoseEstimator interface {
	EstimatePose(ctx context.Context, f *Frame, p *Params) (*PoseResult, error)
}

// StreamFilter may be implemented by a FrameSink that wants only some streams;
// the loop then skips work (e.g. drawing the pose overlay) nobody wants. A sink
// without it is assumed to want every stream.
type StreamFilter interface {
	WantsStream(stream string) bool
}

// LoopConfig wires the frame loop. Sinks are called from several goroutines (input
// frames from the loop, everything else from the operator that made it) and must be
// safe for that and never block.
type LoopConfig struct {
	Logger    *slog.Logger
	Params    *ParamStore
	Input     *Mailbox[*Frame] // filled by a Capture
	Capture   *Capture         // optional, for Stats
	Operators []Operator       // in any order that keeps producers before consumers in Stats
	// FrameSinks get every stream they want; MetaSinks every operator's metadata.
	FrameSinks []FrameSink
	MetaSinks  []MetaSink
	MaxFrames  uint64 // stop after this many frames (0: run until cancelled)
}

// Loop moves frames from the input mailbox through the operators to the sinks. Each
// operator runs in its own goroutine behind a newest-wins mailbox, so a slow model never
// builds a backlog; an operator reads a stream (the input, or what another operator
// emits) and its pictures go to the sinks and to the operators that read them. Each
// frame, and everything made from it downstream, uses exactly one Params snapshot.
type Loop struct {
	cfg     LoopConfig
	log     *slog.Logger
	runners []*runner
	loopM   meter

	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup
	done   chan struct{}
}

// NewLoop checks the operators' declarations (ErrBadGraph) and returns a loop; Start begins it.
func NewLoop(cfg LoopConfig) (*Loop, error) {
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Params == nil {
		cfg.Params = NewParamStore(DefaultParams())
	}
	l := &Loop{cfg: cfg, log: cfg.Logger.With("component", "loop"), done: make(chan struct{})}
	specs := make([]OperatorSpec, len(cfg.Operators))
	for i, op := range cfg.Operators {
		specs[i] = op.Spec()
	}
	if err := checkGraph(specs); err != nil {
		return nil, err
	}
	for _, op := range cfg.Operators {
		l.runners = append(l.runners, newRunner(op, l))
	}
	return l, nil
}

// Operators returns the operators' declarations, in the order given.
func (l *Loop) Operators() []OperatorSpec {
	out := make([]OperatorSpec, len(l.runners))
	for i, r := range l.runners {
		out[i] = r.spec
	}
	return out
}

// Streams lists the picture streams this loop emits: the input, then each operator's.
func (l *Loop) Streams() []string { return Streams(l.Operators()) }

// Start launches the loop and operator goroutines.
func (l *Loop) Start(ctx context.Context) {
	l.ctx, l.cancel = context.WithCancel(ctx)
	l.wg.Add(1 + len(l.runners))
	for _, r := range l.runners {
		go r.run(l.ctx, l)
	}
	go l.run()
	go func() {
		l.wg.Wait()
		close(l.done)
	}()
}

// Done is closed when the loop has stopped (MaxFrames reached and drained, or cancelled).
func (l *Loop) Done() <-chan struct{} { return l.done }

// Close stops the loop and waits for its goroutines.
func (l *Loop) Close() error {
	if l.cancel == nil {
		return nil
	}
	l.cancel()
	<-l.done
	return nil
}

// Stats returns the counters of the capture, the loop and every operator.
func (l *Loop) Stats() Stats {
	s := Stats{Loop: l.loopM.snapshot(0)}
	for _, r := range l.runners {
		st := r.m.snapshot(r.box.Drops())
		st.Restarts = r.sup.restarts.Load()
		s.Operators = append(s.Operators, OperatorStats{Name: r.spec.Name, StageStats: st})
	}
	if c := l.cfg.Capture; c != nil {
		s.Capture, s.Restarts = c.Stats(), c.Restarts()
	}
	return s
}

func (l *Loop) run() {
	defer l.wg.Done()
	defer l.closeConsumers([]string{StreamInput})
	var n uint64
	for l.cfg.MaxFrames == 0 || n < l.cfg.MaxFrames {
		f, ok := l.cfg.Input.Get(l.ctx)
		if !ok {
			return
		}
		p := l.cfg.Params.Load()
		if p.Paused {
			continue
		}
		n++
		start := time.Now()
		l.emit(StreamInput, f, p, start)
		now := time.Now()
		l.loopM.done(now, now.Sub(start), f.Captured)
	}
	l.log.Info("frame limit reached", "frames", n)
}

// emit delivers one frame of stream to the sinks that want it, queues it for the
// operators that read it and hands it to those that watch it as a side stream.
func (l *Loop) emit(stream string, f *Frame, p *Params, now time.Time) {
	for _, s := range l.cfg.FrameSinks {
		if sf, ok := s.(StreamFilter); ok && !sf.WantsStream(stream) {
			continue
		}
		s.WriteFrame(stream, f)
	}
	for _, r := range l.runners {
		if r.spec.Input == stream {
			r.offer(job{f, p}, now)
		}
		if slices.Contains(r.spec.Side, stream) {
			if si, ok := r.op.(SideInput); ok {
				si.SetSide(stream, f)
			}
		}
	}
}

// wants reports whether any frame sink or operator takes stream.
func (l *Loop) wants(stream string) bool {
	for _, s := range l.cfg.FrameSinks {
		if f, ok := s.(StreamFilter); !ok || f.WantsStream(stream) {
			return true
		}
	}
	for _, r := range l.runners {
		if r.spec.Input == stream || slices.Contains(r.spec.Side, stream) {
			return true
		}
	}
	return false
}

// closeConsumers closes the mailboxes of the operators reading any of streams, so they
// finish the frames they hold and stop once their producer has stopped.
func (l *Loop) closeConsumers(streams []string) {
	for _, r := range l.runners {
		if slices.Contains(streams, r.spec.Input) {
			r.box.Close()
		}
	}
}
