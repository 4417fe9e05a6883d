package main

import (
	"context"
	"flag"
	"io"
)

// outputOptions holds the `run` flags of the outputs subsystem. Placeholder: owned by the outputs work.
type outputOptions struct{}

// registerOutputFlags adds the outputs flags to run's flag set.
func registerOutputFlags(fs *flag.FlagSet) *outputOptions { return &outputOptions{} }

// startOutputs starts the outputs subsystem for `run`; it returns nil, nil when nothing is configured.
func startOutputs(ctx context.Context, o *outputOptions, env *runEnv) (io.Closer, error) { return nil, nil }
