package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"strings"

	"github.com/vivid-ml/vivid-ml-engine/engine"
	"github.com/vivid-ml/vivid-ml-engine/engine/segment"
	"github.com/vivid-ml/vivid-ml-engine/engine/upscale"
	"github.com/vivid-ml/vivid-ml-engine/output/preview"
	"github.com/vivid-ml/vivid-ml-engine/output/record"
	"github.com/vivid-ml/vivid-ml-engine/output/shm"
	"github.com/vivid-ml/vivid-ml-engine/output/tdshm"
)

// outputOptions holds the `run` flags of the frame outputs: shared memory, web preview, recording.
type outputOptions struct {
	shmOut       []shmOutSpec
	tdShm        []shmOutSpec
	spoutOut     []shmOutSpec
	shmSlots     int
	http         string
	httpHosts    stringList
	record       string
	recordStream string
	recordFPS    float64

	// Status, when set before startOutputs, feeds the preview's status page (stages,
	// parameters, mapping); nil shows the parameter snapshot only.
	Status func() preview.EngineStatus
	// Preview is the running preview server after startOutputs (nil without --http);
	// add /healthz or /metrics with Preview.Handle.
	Preview *preview.Server
}

// shmOutSpec is one --shm-out NAME[:STREAM]; an empty stream means the default.
type shmOutSpec struct{ name, stream string }

// knownStreams are the streams the operators of this binary can emit (engine.Streams of
// the pose, diffusion, segment and upscale operators); which of them flow depends on the
// operators a run builds (a warning names outputs whose stream nothing emits).
var knownStreams = []string{engine.StreamInput, engine.StreamPose, engine.StreamDiffusion, segment.StreamMask, segment.StreamMatte,
	upscale.StreamUpscale}

// parseStream checks a stream name ("" is allowed: the default).
func parseStream(s string) (string, error) {
	if s == "" || slices.Contains(knownStreams, s) {
		return s, nil
	}
	return "", fmt.Errorf("unknown stream %q (want %s or %s)", s,
		strings.Join(knownStreams[:len(knownStreams)-1], ", "), knownStreams[len(knownStreams)-1])
}

// warnIdleStream logs when an output asks for a stream no operator of this run emits.
func warnIdleStream(env *runEnv, what, stream string) {
	if streams := engine.Streams(env.specs()); !slices.Contains(streams, stream) {
		env.Logger.Warn("output stream not emitted by any operator of this run; it stays empty",
			"output", what, "stream", stream, "streams", strings.Join(streams, ","))
	}
}

// registerOutputFlags adds the outputs flags to run's flag set.
func registerOutputFlags(fs *flag.FlagSet) *outputOptions {
	o := &outputOptions{}
	fs.Func("shm-out", "publish frames to shared-memory segment `NAME[:input|pose|diffusion|mask|matte|upscale]` (repeatable; "+
		"default stream: upscale when it reads diffusion, else diffusion when it runs, else input)", func(v string) error {
		s, err := parseShmSpec(v, shm.CheckName)
		if err == nil {
			o.shmOut = append(o.shmOut, s)
		}
		return err
	})
	fs.Func("td-shm", "publish frames to a TouchDesigner Shared Mem In TOP named `NAME[:input|pose|diffusion]` "+
		"(Windows only; repeatable)", func(v string) error {
		s, err := parseShmSpec(v, tdshm.CheckName)
		if err == nil {
			o.tdShm = append(o.tdShm, s)
		}
		return err
	})
	registerSpoutFlag(fs, o)
	fs.IntVar(&o.shmSlots, "shm-slots", shm.DefaultSlots, "ring slots per shared-memory segment")
	fs.StringVar(&o.http, "http", "", "serve the web preview at `ADDR:PORT` (\":PORT\" binds loopback only)")
	fs.Var(&o.httpHosts, "http-allow-host", "answer HTTP for this Host `NAME` too (repeatable; default: IP addresses and localhost; \"*\": any)")
	fs.StringVar(&o.record, "record", "", "record a stream to `FILE` (e.g. out.mp4) through ffmpeg")
	fs.StringVar(&o.recordStream, "record-stream", "", "stream to record (default: as --shm-out)")
	fs.Float64Var(&o.recordFPS, "record-fps", 30, "frame rate written into the recording")
	return o
}

// outputs closes every started output.
type outputs []io.Closer

func (c outputs) Close() error {
	var err error
	for i := len(c) - 1; i >= 0; i-- {
		err = errors.Join(err, c[i].Close())
	}
	return err
}

// startOutputs starts the outputs subsystem for `run` and adds their frame sinks to env;
// it returns nil, nil when nothing is configured. Call it after the diffusion stage
// is set in env (the default stream depends on it).
func startOutputs(ctx context.Context, o *outputOptions, env *runEnv) (io.Closer, error) {
	if len(o.shmOut) == 0 && len(o.tdShm) == 0 && len(o.spoutOut) == 0 && o.http == "" && o.record == "" {
		return nil, nil
	}
	def := env.defaultStream()
	pick := func(s string) string {
		if s == "" {
			return def
		}
		return s
	}
	var started outputs
	fail := func(err error) (io.Closer, error) {
		started.Close()
		return nil, err
	}
	for _, spec := range o.shmOut {
		w, err := shm.NewWriter(shm.WriterConfig{Name: spec.name, Slots: o.shmSlots, Logger: env.Logger})
		if err != nil {
			return fail(fmt.Errorf("--shm-out %s: %w", spec.name, err))
		}
		warnIdleStream(env, "--shm-out "+spec.name, pick(spec.stream))
		sink := shm.NewSink(w, pick(spec.stream), env.Logger)
		started = append(started, sink)
		env.FrameSinks = append(env.FrameSinks, sink)
		env.Logger.Info("shared-memory output", "name", spec.name, "stream", pick(spec.stream), "path", shm.Path(spec.name))
	}
	for _, spec := range o.tdShm {
		w, err := tdshm.NewWriter(tdshm.Config{Name: spec.name, FlipY: true, Logger: env.Logger})
		if err != nil {
			return fail(fmt.Errorf("--td-shm %s: %w", spec.name, err))
		}
		sink := tdshm.NewSink(w, pick(spec.stream), env.Logger)
		started = append(started, sink)
		env.FrameSinks = append(env.FrameSinks, sink)
	}
	for _, spec := range o.spoutOut {
		sink, err := startSpout(spec, pick(spec.stream), env)
		if err != nil {
			return fail(err)
		}
		started = append(started, sink)
	}
	if o.record != "" {
		rs, err := parseStream(o.recordStream)
		if err != nil {
			return fail(fmt.Errorf("--record-stream: %w", err))
		}
		warnIdleStream(env, "--record", pick(rs))
		rec, err := record.New(record.Config{Path: o.record, Stream: pick(rs), FPS: o.recordFPS, Logger: env.Logger})
		if err != nil {
			return fail(err)
		}
		started = append(started, rec)
		env.FrameSinks = append(env.FrameSinks, rec)
	}
	if o.http != "" {
		status := o.Status
		if status == nil {
			status = func() preview.EngineStatus { return defaultStatus(env) }
		}
		var hosts []string // nil: preview.DefaultAllowedHosts
		if len(o.httpHosts) > 0 {
			hosts = append(slices.Clone(preview.DefaultAllowedHosts), o.httpHosts...)
		}
		srv, err := preview.New(preview.Config{Addr: o.http, Status: status, Logger: env.Logger, AllowedHosts: hosts,
			Streams: engine.Streams(env.specs())})
		if err != nil {
			return fail(err)
		}
		o.Preview = srv
		started = append(started, srv)
		env.FrameSinks = append(env.FrameSinks, srv)
	}
	return started, nil
}

// parseSource is engine.ParseSource plus "shm:NAME" (frames another engine or app
// writes into shared memory; see docs/shm.md). engine cannot import output/shm.
func parseSource(spec string, o engine.SourceOptions, log *slog.Logger) (engine.Source, error) {
	if name, ok := strings.CutPrefix(spec, "shm:"); ok {
		return shm.NewSource(name, log)
	}
	return engine.ParseSource(spec, o)
}
