package main

import (
	"context"
	"errors"
)

// diffusionSchedule is owned by the diffusion-math work; this placeholder keeps the build green until it lands.
func diffusionSchedule(ctx context.Context, args []string) error {
	return errors.New("not built yet")
}
