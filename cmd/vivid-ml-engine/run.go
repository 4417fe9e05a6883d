package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"strings"
	"sync/atomic"
	"time"

	"github.com/vivid-ml/vivid-ml-engine/engine"
	"github.com/vivid-ml/vivid-ml-engine/engine/pose"
	"github.com/vivid-ml/vivid-ml-engine/output"
)

// repeatedFlag collects every value of a repeatable string flag.
type repeatedFlag []string

func (r *repeatedFlag) String() string     { return strings.Join(*r, ",") }
func (r *repeatedFlag) Set(v string) error { *r = append(*r, v); return nil }

// runFlags are run's own flags (a stable interface: scripts and docs use them).
type runFlags struct {
	config        string
	source        string
	poseModel     string
	poseProviders string
	oscOut        repeatedFlag
	frames        uint64
}

// cmdRun is the "run" command: source → pose (→ diffusion) → OSC and frame outputs.
func cmdRun(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("run", flag.ContinueOnError)
	cf := addCommonFlags(fs)
	var rf runFlags
	fs.StringVar(&rf.config, "config", "", "config file (YAML, docs/config.md; flags given here override it; default: the embedded config)")
	fs.StringVar(&rf.source, "source", "", "frame source: testpattern, an image/video file or folder, ffmpeg:<input args>, /dev/videoN, stdin:WxH")
	fs.StringVar(&rf.poseModel, "pose-model", "", "movenet-lightning, movenet-thunder or movenet-multipose")
	fs.StringVar(&rf.poseProviders, "pose-providers", "", "pose execution providers in order, e.g. cuda,cpu (default: the config's pose.providers, cpu)")
	fs.Var(&rf.oscOut, "osc-out", "OSC pose target HOST:PORT (repeatable; replaces the config's targets)")
	fs.Uint64Var(&rf.frames, "frames", 0, "stop after N frames (0: run until interrupted)")
	co := registerControlFlags(fs)
	do := registerDiffusionFlags(fs)
	bf := addBackendFlags(fs)
	do.flags.backend = bf
	defer bf.close()
	oo := registerOutputFlags(fs)
	so := registerOperatorFlags(fs)
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return printUsage(fs, "run [--config FILE] [--source SPEC] [--pose-model NAME] [--osc-out HOST:PORT]... [--frames N]")
	}
	log, err := cf.logger()
	if err != nil {
		return err
	}
	cfg, err := loadRunConfig(rf.config)
	if err != nil {
		return err
	}
	if err := rf.apply(cfg); err != nil {
		return err
	}
	applyConfig(fs, cfg, co, do, oo) // control, diffusion, outputs: the file unless a flag was given
	bf.applyConfig(fs, cfg.Backend, cfg.PJRTPlugin)
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
	r.add(startConfigReloader(rf.config, &rf, cfg, env.Params, log))

	if len(cfg.OSCOut.Targets) > 0 {
		osc, err := output.NewOSCPose(output.OSCPoseConfig{
			Targets: cfg.OSCOut.Targets, Encoding: cfg.OSCOut.encoding(), MaxRate: cfg.OSCOut.MaxRate,
		}, log)
		if err != nil {
			return err
		}
		r.add(osc)
		env.PoseSinks = append(env.PoseSinks, osc)
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
		func() (io.Closer, error) { return startOutputs(ctx, oo, env) },
		func() (io.Closer, error) { return startOperators(ctx, so, cf, env, cfg.OSCOut.Targets) },
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

	lc := engine.LoopConfig{
		Logger: log, Params: env.Params, Input: box, Capture: capture,
		FrameSinks: env.FrameSinks, PoseSinks: env.PoseSinks, ImageStage: env.ImageStage, MaxFrames: rf.frames,
	}
	if stage != nil {
		lc.Pose = stage
	}
	loop := engine.NewLoop(lc)
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

func logStats(log *slog.Logger, s engine.Stats) {
	log.Info("stats",
		"captured", s.Capture.Frames, "capture_drops", s.Capture.Drops, "source_restarts", s.Restarts,
		"pose_frames", s.Pose.Frames, "pose_drops", s.Pose.Drops, "pose_fps", fmt.Sprintf("%.1f", s.Pose.FPS),
		"pose_ms", fmt.Sprintf("%.1f", s.Pose.LatencyMs), "pose_errors", s.Pose.Errors)
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
