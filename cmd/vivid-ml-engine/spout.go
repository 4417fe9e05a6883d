package main

import (
	"flag"
	"fmt"
	"io"

	"github.com/vivid-ml/vivid-ml-engine/output/spout"
)

// registerSpoutFlag adds --spout-out to run's outputs flags.
func registerSpoutFlag(fs *flag.FlagSet, o *outputOptions) {
	fs.Func("spout-out", "publish frames as a Spout 2 sender `NAME[:input|pose|diffusion]` "+
		"(Windows, DirectX 11; repeatable)", func(v string) error {
		s, err := parseShmSpec(v, spout.CheckName)
		if err == nil {
			o.spoutOut = append(o.spoutOut, s)
		}
		return err
	})
}

// startSpout starts one Spout sender for stream and adds its sink to env.
func startSpout(spec shmOutSpec, stream string, env *runEnv) (io.Closer, error) {
	s, err := spout.NewSender(spout.Config{Name: spec.name, Logger: env.Logger})
	if err != nil {
		return nil, fmt.Errorf("--spout-out %s: %w", spec.name, err)
	}
	sink := spout.NewSink(s, stream, env.Logger)
	env.FrameSinks = append(env.FrameSinks, sink)
	env.Logger.Info("spout output", "name", spec.name, "stream", stream)
	return sink, nil
}
