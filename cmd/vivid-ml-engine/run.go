package main

import (
	"context"
	"errors"
)

// cmdRun is the "run" command.
func cmdRun(ctx context.Context, args []string) error {
	return errors.New("run: not built yet")
}
