package main

import (
	"context"
	"errors"
)

// benchLatency is owned by the pose work; this placeholder keeps the build green until it lands.
func benchLatency(ctx context.Context, args []string) error {
	return errors.New("not built yet")
}
