package app

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"strings"

	"github.com/vivid-ml/vivid-ml-engine/engine"
	"github.com/vivid-ml/vivid-ml-engine/internal/conf"
	"github.com/vivid-ml/vivid-ml-engine/output/preview"
	"github.com/vivid-ml/vivid-ml-engine/output/record"
	"github.com/vivid-ml/vivid-ml-engine/output/shm"
	"github.com/vivid-ml/vivid-ml-engine/output/spout"
	"github.com/vivid-ml/vivid-ml-engine/output/tdshm"
)

// warnIdleStream logs when an output asks for a stream no operator of this run emits.
func warnIdleStream(env *runEnv, what, stream string) {
	if streams := engine.Streams(env.specs()); !slices.Contains(streams, stream) {
		env.Logger.Warn("output stream not emitted by any operator of this run; it stays empty",
			"output", what, "stream", stream, "streams", strings.Join(streams, ","))
	}
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

// startOutputs starts the frame outputs of the outputs section and adds their sinks to env;
// it returns nil, nil when nothing is configured, and the preview server (nil without
// outputs.http). Call it after the operators are built (streams and the default stream
// follow from them).
func startOutputs(o conf.Outputs, env *runEnv, status func() preview.EngineStatus) (io.Closer, *preview.Server, error) {
	if len(o.SHM) == 0 && len(o.TDSHM) == 0 && len(o.Spout) == 0 && o.HTTP == "" && o.Record.Path == "" {
		return nil, nil, nil
	}
	def := env.defaultStream()
	pick := func(s string) string {
		if s == "" {
			return def
		}
		return s
	}
	var started outputs
	fail := func(err error) (io.Closer, *preview.Server, error) {
		return nil, nil, errors.Join(err, started.Close())
	}
	specs := func(list []string, check func(string) error) ([]conf.OutputSpec, error) {
		var out []conf.OutputSpec
		for _, v := range list {
			s, err := conf.ParseOutputSpec(v, check)
			if err != nil {
				return nil, fmt.Errorf("%q: %w", v, err)
			}
			out = append(out, s)
		}
		return out, nil
	}
	shmOut, err := specs(o.SHM, shm.CheckName)
	if err != nil {
		return fail(fmt.Errorf("--shm-out %w", err))
	}
	tdShm, err := specs(o.TDSHM, tdshm.CheckName)
	if err != nil {
		return fail(fmt.Errorf("--td-shm %w", err))
	}
	spoutOut, err := specs(o.Spout, spout.CheckName)
	if err != nil {
		return fail(fmt.Errorf("--spout-out %w", err))
	}
	for _, spec := range shmOut {
		w, err := shm.NewWriter(shm.WriterConfig{Name: spec.Name, Slots: o.SHMSlots, Logger: env.Logger})
		if err != nil {
			return fail(fmt.Errorf("--shm-out %s: %w", spec.Name, err))
		}
		warnIdleStream(env, "--shm-out "+spec.Name, pick(spec.Stream))
		sink := shm.NewSink(w, pick(spec.Stream), env.Logger)
		started = append(started, sink)
		env.FrameSinks = append(env.FrameSinks, sink)
		env.Logger.Info("shared-memory output", "name", spec.Name, "stream", pick(spec.Stream), "path", shm.Path(spec.Name))
	}
	for _, spec := range tdShm {
		w, err := tdshm.NewWriter(tdshm.Config{Name: spec.Name, FlipY: true, Logger: env.Logger})
		if err != nil {
			return fail(fmt.Errorf("--td-shm %s: %w", spec.Name, err))
		}
		sink := tdshm.NewSink(w, pick(spec.Stream), env.Logger)
		started = append(started, sink)
		env.FrameSinks = append(env.FrameSinks, sink)
	}
	for _, spec := range spoutOut {
		sink, err := startSpout(spec, pick(spec.Stream), env)
		if err != nil {
			return fail(err)
		}
		started = append(started, sink)
	}
	if o.Record.Path != "" {
		rs, err := conf.ParseStream(o.Record.Stream)
		if err != nil {
			return fail(fmt.Errorf("--record-stream: %w", err))
		}
		warnIdleStream(env, "--record", pick(rs))
		rec, err := record.New(record.Config{Path: o.Record.Path, Stream: pick(rs), FPS: o.Record.FPS, Logger: env.Logger})
		if err != nil {
			return fail(err)
		}
		started = append(started, rec)
		env.FrameSinks = append(env.FrameSinks, rec)
	}
	var srv *preview.Server
	if o.HTTP != "" {
		if status == nil {
			status = func() preview.EngineStatus { return defaultStatus(env) }
		}
		var hosts []string // nil: preview.DefaultAllowedHosts
		if len(o.HTTPAllowHosts) > 0 {
			hosts = append(slices.Clone(preview.DefaultAllowedHosts), o.HTTPAllowHosts...)
		}
		var err error
		srv, err = preview.New(preview.Config{Addr: o.HTTP, Status: status, Logger: env.Logger, AllowedHosts: hosts,
			Streams: engine.Streams(env.specs())})
		if err != nil {
			return fail(err)
		}
		started = append(started, srv)
		env.FrameSinks = append(env.FrameSinks, srv)
	}
	return started, srv, nil
}

// parseSource is engine.ParseSource plus "shm:NAME" (frames another engine or app
// writes into shared memory; see docs/shm.md). engine cannot import output/shm.
func parseSource(spec string, o engine.SourceOptions, log *slog.Logger) (engine.Source, error) {
	if name, ok := strings.CutPrefix(spec, "shm:"); ok {
		return shm.NewSource(name, log)
	}
	return engine.ParseSource(spec, o)
}
