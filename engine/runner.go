package engine

import (
	"context"
	"log/slog"
	"slices"
	"sync"
	"time"
)

// runner is the one generic runner every operator gets: a newest-wins mailbox on its
// input stream, a meter, a supervisor that backs off and restarts it when it keeps
// failing, and rate-limited warnings for drops and errors.
type runner struct {
	op   Operator
	spec OperatorSpec
	box  *Mailbox[job]
	m    meter
	sup  *supervisor
	drop *dropWarner
	errs *errorLimiter

	warnOnce sync.Once // an emitted stream the operator did not declare
}

// job is one frame with the parameter snapshot it was taken with.
type job struct {
	f *Frame
	p *Params
}

func newRunner(op Operator, l *Loop) *runner {
	spec := op.Spec()
	return &runner{op: op, spec: spec, box: NewMailbox[job](),
		sup: newSupervisor(spec.Name, op, l.log), drop: newDropWarner(l.log, spec.Name), errs: newErrorLimiter(l.log, spec.Name)}
}

// enabled reports whether the operator runs for snapshot p.
func (r *runner) enabled(p *Params) bool { return r.spec.Enabled == nil || r.spec.Enabled(p) }

// offer queues one frame (newest wins).
func (r *runner) offer(j job, now time.Time) {
	if r.enabled(j.p) && r.box.Put(j) {
		r.drop.dropped(now)
	}
}

// run takes frames until the mailbox is closed and drained or ctx ends; then it closes the
// mailboxes of the operators that read what it emits.
func (r *runner) run(ctx context.Context, l *Loop) {
	defer l.wg.Done()
	defer l.closeConsumers(r.spec.Emits)
	for {
		j, ok := r.box.Get(ctx)
		if !ok {
			return
		}
		em := &emission{l: l, r: r}
		start := time.Now()
		err := r.op.Process(ctx, j.f, j.p, em)
		if err != nil {
			r.m.failed()
			r.errs.log(start, err)
			if !r.sup.failed(ctx, err) {
				return
			}
			continue
		}
		r.sup.ok()
		if em.empty() {
			continue
		}
		r.m.done(time.Now(), time.Since(start), j.f.Captured)
		em.deliver(j.p)
	}
}

// emission buffers what an operator emits for one frame until Process returns.
type emission struct {
	l      *Loop
	r      *runner
	frames []streamFrame
	meta   []any
}

type streamFrame struct {
	stream string
	f      *Frame
}

func (e *emission) Wants(stream string) bool { return e.l.wants(stream) }

func (e *emission) Frame(stream string, f *Frame) {
	if f == nil || f.Image == nil {
		return
	}
	if !slices.Contains(e.r.spec.Emits, stream) {
		e.r.warnOnce.Do(func() {
			e.l.log.Warn("operator emitted a stream it does not declare; dropped", "stage", e.r.spec.Name, "stream", stream)
		})
		return
	}
	e.frames = append(e.frames, streamFrame{stream, f})
}

func (e *emission) Meta(v any) { e.meta = append(e.meta, v) }

func (e *emission) empty() bool { return len(e.frames) == 0 && len(e.meta) == 0 }

// deliver hands the metadata to the MetaSinks, then each frame to its stream's sinks and
// consumers (with the snapshot of the frame it came from).
func (e *emission) deliver(p *Params) {
	for _, v := range e.meta {
		for _, s := range e.l.cfg.MetaSinks {
			s.WriteMeta(e.r.spec.Name, v)
		}
	}
	now := time.Now()
	for _, sf := range e.frames {
		e.l.emit(sf.stream, sf.f, p, now)
	}
}

// errorLimiter logs a stage's errors at most once per 10 s, counting the rest.
type errorLimiter struct {
	logger     *slog.Logger
	stage      string
	last       time.Time
	suppressed int
}

func newErrorLimiter(log *slog.Logger, stage string) *errorLimiter {
	return &errorLimiter{logger: log, stage: stage}
}

func (e *errorLimiter) log(now time.Time, err error) {
	if !e.last.IsZero() && now.Sub(e.last) < 10*time.Second {
		e.suppressed++
		return
	}
	e.logger.Error("stage failed", "stage", e.stage, "err", err, "suppressed", e.suppressed)
	e.last, e.suppressed = now, 0
}
