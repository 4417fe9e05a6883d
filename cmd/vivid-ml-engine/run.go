package main

import (
	"context"

	"github.com/vivid-ml/vivid-ml-engine/internal/app"
)

// cmdRun is the "run" command: its flags are keys of the config (run_flags.go); the run
// itself is internal/app.
func cmdRun(ctx context.Context, args []string) error {
	k, err := newRunCommandFlags("run")
	if err != nil {
		return err
	}
	pos, err := parseFlags(k.fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return printUsage(k.fs, "run [--config FILE] [--source SPEC] [--pose-model NAME] [--osc-out HOST:PORT]... [--frames N]")
	}
	cfg, err := k.load()
	if err != nil {
		return err
	}
	log, err := app.NewLogger(cfg.Log)
	if err != nil {
		return err
	}
	return app.Run(ctx, app.Options{Config: cfg, Path: k.config, Overlay: k.b.overlay, Logger: log})
}
