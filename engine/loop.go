package engine

import (
	"context"
	"log/slog"
	"sync"
	"time"
)

// PoseEstimator is the pose stage as the frame loop sees it; engine/pose
// implements it. It is called from one goroutine only.
type PoseEstimator interface {
	EstimatePose(ctx context.Context, f *Frame, p *Params) (*PoseResult, error)
}

// StreamFilter may be implemented by a FrameSink that wants only some streams;
// the loop then skips work (e.g. drawing the pose overlay) nobody wants. A sink
// without it is assumed to want every stream.
type StreamFilter interface {
	WantsStream(stream string) bool
}

// LoopConfig wires the frame loop. Sinks are called from several goroutines
// (input frames from the loop, pose results from the pose stage, pictures from
// the image stage) and must be safe for that and never block.
type LoopConfig struct {
	Logger     *slog.Logger
	Params     *ParamStore
	Input      *Mailbox[*Frame] // filled by a Capture
	Capture    *Capture         // optional, for Stats
	Pose       PoseEstimator    // nil: no pose stage
	FrameSinks []FrameSink
	PoseSinks  []PoseSink
	ImageStage ImageStage // nil: no image stage
	MaxFrames  uint64     // stop after this many frames (0: run until cancelled)
}

// Loop moves frames from the input mailbox to the stages and sinks. The pose and
// image stages each run in their own goroutine behind a newest-wins mailbox, so a
// slow model never builds a backlog. Each frame uses exactly one Params snapshot.
type Loop struct {
	cfg LoopConfig
	log *slog.Logger

	poseBox, imageBox  *Mailbox[job]
	loopM, poseM, imgM meter
	poseSup, imgSup    *supervisor

	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup
	done   chan struct{}
}

// job is one frame with the parameter snapshot it was taken with.
type job struct {
	f *Frame
	p *Params
}

// NewLoop returns a loop; Start begins it.
func NewLoop(cfg LoopConfig) *Loop {
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Params == nil {
		cfg.Params = NewParamStore(DefaultParams())
	}
	log := cfg.Logger.With("component", "loop")
	return &Loop{
		cfg: cfg, log: log,
		poseBox: NewMailbox[job](), imageBox: NewMailbox[job](),
		poseSup: newSupervisor("pose", cfg.Pose, log), imgSup: newSupervisor("diffusion", cfg.ImageStage, log),
		done: make(chan struct{}),
	}
}

// Start launches the loop and stage goroutines.
func (l *Loop) Start(ctx context.Context) {
	l.ctx, l.cancel = context.WithCancel(ctx)
	l.wg.Add(3)
	go l.runPose()
	go l.runImage()
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

// Stats returns per-stage counters.
func (l *Loop) Stats() Stats {
	s := Stats{
		Loop:      l.loopM.snapshot(0),
		Pose:      l.poseM.snapshot(l.poseBox.Drops()),
		Diffusion: l.imgM.snapshot(l.imageBox.Drops()),
	}
	s.Pose.Restarts, s.Diffusion.Restarts = l.poseSup.restarts.Load(), l.imgSup.restarts.Load()
	if c := l.cfg.Capture; c != nil {
		s.Capture, s.Restarts = c.Stats(), c.Restarts()
	}
	return s
}

func (l *Loop) run() {
	defer l.wg.Done()
	defer l.poseBox.Close()
	defer l.imageBox.Close()
	poseWarn := newDropWarner(l.log, "pose")
	imgWarn := newDropWarner(l.log, "diffusion")
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
		l.sendFrame(StreamInput, f)
		if p.PoseEnabled && l.cfg.Pose != nil && l.poseBox.Put(job{f, p}) {
			poseWarn.dropped(start)
		}
		if p.DiffusionEnabled && l.cfg.ImageStage != nil && l.imageBox.Put(job{f, p}) {
			imgWarn.dropped(start)
		}
		now := time.Now()
		l.loopM.done(now, now.Sub(start), f.Captured)
	}
	l.log.Info("frame limit reached", "frames", n)
}

// wants reports whether any frame sink wants stream.
func (l *Loop) wants(stream string) bool {
	for _, s := range l.cfg.FrameSinks {
		if f, ok := s.(StreamFilter); !ok || f.WantsStream(stream) {
			return true
		}
	}
	return false
}

func (l *Loop) sendFrame(stream string, f *Frame) {
	for _, s := range l.cfg.FrameSinks {
		if sf, ok := s.(StreamFilter); ok && !sf.WantsStream(stream) {
			continue
		}
		s.WriteFrame(stream, f)
	}
}

func (l *Loop) runPose() {
	defer l.wg.Done()
	errs := newErrorLimiter(l.log, "pose")
	sup := l.poseSup
	for {
		j, ok := l.poseBox.Get(l.ctx)
		if !ok {
			return
		}
		start := time.Now()
		r, err := l.cfg.Pose.EstimatePose(l.ctx, j.f, j.p)
		if err != nil {
			l.poseM.failed()
			errs.log(start, err)
			if !sup.failed(l.ctx, err) {
				return
			}
			continue
		}
		sup.ok()
		l.poseM.done(time.Now(), time.Since(start), j.f.Captured)
		for _, s := range l.cfg.PoseSinks {
			s.WritePose(r)
		}
		if l.wants(StreamPose) {
			min := float32(j.p.PoseMinScore)
			img := DrawPose(j.f.Image, r.People, min)
			l.sendFrame(StreamPose, &Frame{Seq: j.f.Seq, Captured: j.f.Captured, Image: img})
		}
	}
}

func (l *Loop) runImage() {
	defer l.wg.Done()
	errs := newErrorLimiter(l.log, "diffusion")
	sup := l.imgSup
	for {
		j, ok := l.imageBox.Get(l.ctx)
		if !ok {
			return
		}
		start := time.Now()
		out, produced, err := l.cfg.ImageStage.Process(l.ctx, j.f, j.p)
		if err != nil {
			l.imgM.failed()
			errs.log(start, err)
			if !sup.failed(l.ctx, err) {
				return
			}
			continue
		}
		sup.ok()
		if !produced || out == nil {
			continue
		}
		l.imgM.done(time.Now(), time.Since(start), j.f.Captured)
		l.sendFrame(StreamDiffusion, out)
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
