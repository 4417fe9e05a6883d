package main

import (
	"context"
	"flag"
	"io"
)

// controlOptions holds the `run` flags of the control subsystem. Placeholder: owned by the control work.
type controlOptions struct{}

// registerControlFlags adds the control flags to run's flag set.
func registerControlFlags(fs *flag.FlagSet) *controlOptions { return &controlOptions{} }

// startControl starts the control subsystem for `run`; it returns nil, nil when nothing is configured.
func startControl(ctx context.Context, o *controlOptions, env *runEnv) (io.Closer, error) { return nil, nil }
