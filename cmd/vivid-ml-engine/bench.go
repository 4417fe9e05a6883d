package main

import (
	"context"
	"errors"
)

// cmdBench is the "bench" command.
func cmdBench(ctx context.Context, args []string) error {
	return errors.New("bench: not built yet")
}
