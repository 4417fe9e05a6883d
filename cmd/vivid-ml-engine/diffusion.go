package main

import (
	"context"
	"errors"
)

// cmdDiffusion is the "diffusion" command.
func cmdDiffusion(ctx context.Context, args []string) error {
	return errors.New("diffusion: not built yet")
}
