// Package app is the engine's run lifecycle, out of package main (as mediamtx's
// internal/core and caddy's library-first cmd): from one typed config (internal/conf) it
// builds the sources, operators, outputs, control and telemetry of `vivid-ml-engine run`,
// runs them, owns every reload (reload.go) and stops them in reverse order.
// cmd/vivid-ml-engine parses flags into the config and prints.
package app

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"sync/atomic"
	"time"

	"github.com/vivid-ml/vivid-ml-engine/engine"
	"github.com/vivid-ml/vivid-ml-engine/engine/pose"
	"github.com/vivid-ml/vivid-ml-engine/internal/conf"
	"github.com/vivid-ml/vivid-ml-engine/output"
)

// Options is what Run needs besides a context.
type Options struct {
	// Config is the configuration in force: the file (or the embedded default) with the
	// command line applied, validated.
	Config *conf.Config
	// Path is the config file ("": the embedded default, nothing to reload).
	Path string
	// Overlay re-applies the command line to a reloaded file (flags win over the file, as
	// at start); nil applies nothing.
	Overlay func(*conf.Config)
	Logger  *slog.Logger
	Stdin   io.Reader // for source stdin:WxH; nil: os.Stdin
}

// Run is `vivid-ml-engine run`: source → operators (pose, diffusion, segment, upscale) →
// OSC and frame outputs, steered by control, until ctx ends, the source ends for good or
// the frame limit is reached.
func Run(ctx context.Context, o Options) error {
	cfg, log := o.Config, o.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	stdin := o.Stdin
	if stdin == nil {
		stdin = os.Stdin
	}
	src, err := parseSource(cfg.Source.Spec, engine.SourceOptions{
		Width: cfg.Source.Width, Height: cfg.Source.Height, FPS: cfg.Source.FPS, Stdin: stdin, Logger: log,
	}, log)
	if err != nil {
		return err
	}
	rt := NewRuntime(cfg.Models, cfg.Backend, log)
	defer rt.Close()
	env := &runEnv{Logger: log, Params: engine.NewParamStore(cfg.Pose.Params(engine.DefaultParams()))}
	r := &closers{log: log}
	defer r.closeAll()
	tel := newRunTelemetry(env, cfg.Pose.Enabled)

	if len(cfg.OSCOut.Targets) > 0 {
		osc, err := output.NewOSCPose(output.OSCPoseConfig{
			Targets: cfg.OSCOut.Targets, Encoding: cfg.OSCOut.Encoding(), MaxRate: cfg.OSCOut.MaxRate,
		}, log)
		if err != nil {
			return err
		}
		r.add(osc)
		env.MetaSinks = append(env.MetaSinks, engine.PoseMeta(osc))
		for _, t := range cfg.OSCOut.Targets {
			log.Info("sending pose over OSC: listen on this port (oscdump PORT, or a TouchDesigner OSC In CHOP/DAT)",
				"target", t, "port", portOf(t), "prefix", cfg.OSCOut.Prefix, "format", cfg.OSCOut.Format)
		}
	}
	if err := startPose(ctx, cfg, rt, env, r); err != nil {
		return fmt.Errorf("pose stage: %w", err)
	}

	box := engine.NewMailbox[*engine.Frame]()
	capture := engine.NewCapture(src, box, log)
	var running atomic.Pointer[engine.Loop]
	env.Stats = func() engine.Stats {
		if l := running.Load(); l != nil {
			return l.Stats()
		}
		return engine.Stats{}
	}

	rel := newReloader(o, env.Params, log)
	ctl, err := startControl(cfg.Control, env, rel.requestAll)
	if err != nil {
		return err
	}
	r.add(ctl)
	tel.controlCounters(ctl)
	if err := rel.start(ctl, cfg.Control); err != nil {
		return err
	}
	r.add(rel)
	for _, start := range []func() (io.Closer, error){
		func() (io.Closer, error) { return startDiffusion(ctx, cfg.Diffusion, rt, env) },
		func() (io.Closer, error) { return startOperators(ctx, cfg.Operators, rt, env, cfg.OSCOut.Targets) },
	} {
		c, err := start()
		if err != nil {
			return err
		}
		if c != nil {
			r.add(c)
		}
	}
	outs, preview, err := startOutputs(cfg.Outputs, env, nil)
	if err != nil {
		return err
	}
	if outs != nil {
		r.add(outs)
	}
	tel.mount(preview)

	loop, err := engine.NewLoop(engine.LoopConfig{
		Logger: log, Params: env.Params, Input: box, Capture: capture, Operators: env.Operators,
		FrameSinks: env.FrameSinks, MetaSinks: env.MetaSinks, MaxFrames: cfg.Frames,
	})
	if err != nil {
		return err
	}
	tel.stageGauges(loop.Operators())
	running.Store(loop)
	loop.Start(ctx)
	capture.Start(ctx)
	nctx, stopNotify := context.WithCancel(ctx)
	notify := tel.notify(nctx)
	defer func() { stopNotify(); notify.wait() }()
	log.Info("engine running", "source", src.Name(), "pose", cfg.Pose.Enabled, "pose_model", cfg.Pose.Model, "frames", cfg.Frames)
	wait(ctx, log, loop, capture, box)
	err = errors.Join(capture.Close(), loop.Close())
	logStats(log, loop.Stats())
	return err
}

// startPose builds the pose operator when the pose section enables it: one ONNX Runtime
// for the whole engine, with the CUDA providers if any stage wants them.
func startPose(ctx context.Context, cfg *conf.Config, rt *Runtime, env *runEnv, r *closers) error {
	if !cfg.Pose.Enabled {
		return nil
	}
	chain, err := PoseProviders(cfg.Pose.Providers, true)
	if err != nil {
		return err
	}
	if rt.UsesORT() {
		gpu := WantsGPU(cfg.Pose.Providers) || (cfg.Diffusion.Model != "" && WantsGPU(cfg.Diffusion.Providers))
		if _, err := rt.ORT(ctx, gpu); err != nil {
			return err
		}
	}
	load, err := PoseLoader(ctx, rt, cfg.Pose.Threads, chain)
	if err != nil {
		return err
	}
	stage := pose.NewStage(reportingLoader(load, env), cfg.Pose.Options(), env.Logger)
	r.add(stage)
	if err := stage.Preload(cfg.Pose.Model); err != nil {
		return err
	}
	env.Operators = append(env.Operators, engine.PoseOperator(stage))
	return nil
}

// wait blocks until ctx ends, the loop stops (frame limit) or the source has ended for
// good and the frames in flight are done; it logs the stats every 30 s.
func wait(ctx context.Context, log *slog.Logger, loop *engine.Loop, capture *engine.Capture, box *engine.Mailbox[*engine.Frame]) {
	tick := time.NewTicker(30 * time.Second)
	defer tick.Stop()
	sourceDone := capture.Done()
	for {
		select {
		case <-ctx.Done():
			log.Info("stopping")
			return
		case <-loop.Done():
			return
		case <-sourceDone:
			// The source ended for good (stdin at EOF): finish the frames in flight, then stop.
			log.Info("source ended; stopping after the frames in flight")
			box.Close()
			sourceDone = nil
		case <-tick.C:
			logStats(log, loop.Stats())
		}
	}
}

func portOf(hostport string) string {
	_, p, _ := net.SplitHostPort(hostport)
	return p
}

// logStats logs the capture counters, then frames, drops, fps, ms and errors of each operator
// (pose_frames, pose_drops, … diffusion_frames, …).
func logStats(log *slog.Logger, s engine.Stats) {
	args := []any{"captured", s.Capture.Frames, "capture_drops", s.Capture.Drops, "source_restarts", s.Restarts}
	for _, o := range s.Operators {
		args = append(args, o.Name+"_frames", o.Frames, o.Name+"_drops", o.Drops, o.Name+"_fps", fmt.Sprintf("%.1f", o.FPS),
			o.Name+"_ms", fmt.Sprintf("%.1f", o.LatencyMs), o.Name+"_errors", o.Errors)
	}
	log.Info("stats", args...)
}

// closers closes what Run started, last started first.
type closers struct {
	log  *slog.Logger
	list []io.Closer
}

func (r *closers) add(c io.Closer) { r.list = append(r.list, c) }

func (r *closers) closeAll() {
	for i := len(r.list) - 1; i >= 0; i-- {
		start := time.Now()
		if err := r.list[i].Close(); err != nil && !errors.Is(err, context.Canceled) {
			r.log.Warn("shutdown", "err", err)
		}
		r.log.Debug("closed", "what", fmt.Sprintf("%T", r.list[i]), "took", time.Since(start))
	}
}
