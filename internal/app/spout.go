package app

import (
	"fmt"
	"io"

	"github.com/vivid-ml/vivid-ml-engine/internal/conf"
	"github.com/vivid-ml/vivid-ml-engine/output/spout"
)

// startSpout starts one Spout sender for stream and adds its sink to env.
func startSpout(spec conf.OutputSpec, stream string, env *runEnv) (io.Closer, error) {
	s, err := spout.NewSender(spout.Config{Name: spec.Name, Logger: env.Logger})
	if err != nil {
		return nil, fmt.Errorf("--spout-out %s: %w", spec.Name, err)
	}
	sink := spout.NewSink(s, stream, env.Logger)
	env.FrameSinks = append(env.FrameSinks, sink)
	env.Logger.Info("spout output", "name", spec.Name, "stream", stream)
	return sink, nil
}
