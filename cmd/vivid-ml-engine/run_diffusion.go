package main

import (
	"context"
	"flag"
	"io"
)

// diffusionOptions holds the `run` flags of the diffusion subsystem. Placeholder: owned by the diffusion work.
type diffusionOptions struct{}

// registerDiffusionFlags adds the diffusion flags to run's flag set.
func registerDiffusionFlags(fs *flag.FlagSet) *diffusionOptions { return &diffusionOptions{} }

// startDiffusion starts the diffusion subsystem for `run`; it returns nil, nil when nothing is configured.
func startDiffusion(ctx context.Context, o *diffusionOptions, env *runEnv) (io.Closer, error) { return nil, nil }
