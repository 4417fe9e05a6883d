package main

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
	"github.com/vivid-ml/vivid-ml-engine/output"
)

// cmdRun is the "run" command: source → pose (→ diffusion) → OSC and frame outputs.
func cmdRun(ctx context.Context, args []string) error {
	k := newRunCommandFlags("run")
	fs, cf, rf, co, do, bf, oo, so := k.fs, k.cf, &k.rf, k.co, k.do, k.bf, k.oo, k.so
	defer bf.close()
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return printUsage(fs, "run [--config FILE] [--source SPEC] [--pose-model NAME] [--osc-out HOST:PORT]... [--frames N]")
	}
	cfg, err := loadRunConfig(rf.config)
	if err != nil {
		return err
	}
	if err := rf.apply(cfg); err != nil {
		return err
	}
	applyConfig(k, cfg) // every other key: the file unless a flag was given
	log, err := cf.logger()
	if err != nil {
		return err
	}
	src, err := parseSource(cfg.Source.Spec, engine.SourceOptions{
		Width: cfg.Source.Width, Height: cfg.Source.Height, FPS: cfg.Source.FPS, Stdin: os.Stdin, Logger: log,
	}, log)
	if err != nil {
		return err
	}
	env := &runEnv{Logger: log, Params: engine.NewParamStore(cfg.Pose.params(engine.DefaultParams()))}
	r := &runner{log: log, env: env}
	defer r.closeAll()
	tel := newRunTelemetry(env, cfg.Pose.Enabled)
	r.add(startConfigReloader(rf.config, rf, cfg, env.Params, log))

	if len(cfg.OSCOut.Targets) > 0 {
		osc, err := output.NewOSCPose(output.OSCPoseConfig{
			Targets: cfg.OSCOut.Targets, Encoding: cfg.OSCOut.encoding(), MaxRate: cfg.OSCOut.MaxRate,
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

	var stage *pose.Stage
	if cfg.Pose.Enabled {
		chain, err := poseProviders(cfg.Pose.Providers, true)
		if err != nil {
			return fmt.Errorf("pose stage: %w", err)
		}
		// One ONNX Runtime for the whole engine: with the CUDA providers if any stage wants them.
		if bf.ort() {
			if _, err := cf.ortBackendFor(ctx, log, cfg.Pose.Providers, do.flags.providers, do.model != ""); err != nil {
				return fmt.Errorf("pose stage: %w", err)
			}
		}
		load, err := poseLoader(ctx, cf, bf, cfg.Pose.Threads, chain, log)
		if err != nil {
			return fmt.Errorf("pose stage: %w", err)
		}
		stage = pose.NewStage(reportingLoader(load, env), cfg.Pose.poseOptions(), log)
		r.add(stage)
		if err := stage.Preload(cfg.Pose.Model); err != nil {
			return fmt.Errorf("pose stage: %w", err)
		}
		env.Operators = append(env.Operators, engine.PoseOperator(stage))
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

	for i, start := range []func() (io.Closer, error){
		func() (io.Closer, error) { return startControl(ctx, co, env) },
		func() (io.Closer, error) { return startDiffusion(ctx, do, cf, env) },
		func() (io.Closer, error) { return startOperators(ctx, so, cf, env, cfg.OSCOut.Targets) },
		func() (io.Closer, error) { return startOutputs(ctx, oo, env) },
	} {
		c, err := start()
		if err != nil {
			return err
		}
		if c != nil {
			r.add(c)
		}
		if i == 0 {
			tel.controlCounters(c)
		}
	}
	tel.mount(oo.Preview)

	loop, err := engine.NewLoop(engine.LoopConfig{
		Logger: log, Params: env.Params, Input: box, Capture: capture, Operators: env.Operators,
		FrameSinks: env.FrameSinks, MetaSinks: env.MetaSinks, MaxFrames: rf.frames,
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
	log.Info("engine running", "source", src.Name(), "pose", cfg.Pose.Enabled, "pose_model", cfg.Pose.Model, "frames", rf.frames)

	tick := time.NewTicker(30 * time.Second)
	defer tick.Stop()
	sourceDone := capture.Done()
wait:
	for {
		select {
		case <-ctx.Done():
			log.Info("stopping")
			break wait
		case <-loop.Done():
			break wait
		case <-sourceDone:
			// The source ended for good (stdin at EOF): finish the frames in flight, then stop.
			log.Info("source ended; stopping after the frames in flight")
			box.Close()
			sourceDone = nil
		case <-tick.C:
			logStats(log, loop.Stats())
		}
	}
	capture.Close()
	loop.Close()
	logStats(log, loop.Stats())
	return nil
}

// apply puts the command-line overrides into cfg and re-validates it.
func (rf *runFlags) apply(cfg *runConfig) error {
	if rf.source != "" {
		cfg.Source.Spec = rf.source
	}
	if rf.poseModel != "" {
		cfg.Pose.Model = rf.poseModel
	}
	if rf.poseProviders != "" {
		cfg.Pose.Providers = rf.poseProviders
	}
	if len(rf.oscOut) > 0 {
		for _, t := range rf.oscOut {
			if _, _, err := net.SplitHostPort(t); err != nil {
				return fmt.Errorf("--osc-out %q: want HOST:PORT", t)
			}
		}
		cfg.OSCOut.Targets = rf.oscOut
	}
	return cfg.validate()
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

// runner closes what run started, last started first.
type runner struct {
	log     *slog.Logger
	env     *runEnv
	closers []io.Closer
}

func (r *runner) add(c io.Closer) { r.closers = append(r.closers, c) }

func (r *runner) closeAll() {
	for i := len(r.closers) - 1; i >= 0; i-- {
		start := time.Now()
		if err := r.closers[i].Close(); err != nil && !errors.Is(err, context.Canceled) {
			r.log.Warn("shutdown", "err", err)
		}
		r.log.Debug("closed", "what", fmt.Sprintf("%T", r.closers[i]), "took", time.Since(start))
	}
}
