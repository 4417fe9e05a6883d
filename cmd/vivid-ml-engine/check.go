package main

import (
	"context"
	"errors"
	"fmt"
	"os"

	"github.com/vivid-ml/vivid-ml-engine/internal/app"
	"github.com/vivid-ml/vivid-ml-engine/internal/check"
)

// errCheckFailed means at least one checked item was bad; each was printed on its own line.
var errCheckFailed = errors.New("check failed")

// checkFlags are run's flags: check takes the same command line as run (plus
// nothing), so a service's ExecStart arguments can be checked as they are.
type checkFlags = runCommandFlags

// newCheckFlags registers run's flags on a "check" flag set.
func newCheckFlags() (*checkFlags, error) { return newRunCommandFlags("check") }

// cmdCheck is the "check" command: it validates the run config, mapping and presets
// files (from the flags or the config) and the models the config needs, printing one
// "ok …" or "error …" line per item (internal/check).
func cmdCheck(ctx context.Context, args []string) error {
	kf, err := newCheckFlags()
	if err != nil {
		return err
	}
	pos, err := parseFlags(kf.fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return printUsage(kf.fs, "check [--config FILE] [--mapping FILE]... [--presets FILE] [--diffusion-model DIR] [--offline] [any run flag]")
	}
	lc := kf.b.vals.Log
	if !flagGiven(kf.fs, "log-level") {
		lc.Level = "warn" // the ok/error lines are the output; fetch progress stays quiet
	}
	log, err := app.NewLogger(lc)
	if err != nil {
		return err
	}
	r := check.Run(ctx, check.Config{Path: kf.config, Overlay: kf.b.overlay, Logger: log}, os.Stdout)
	if r.Failed > 0 {
		return fmt.Errorf("%w: %d of %d items bad", errCheckFailed, r.Failed, r.Items)
	}
	return nil
}
