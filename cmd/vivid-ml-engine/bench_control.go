package main

import (
	"context"
	"errors"
)

// benchControl is owned by the control work; this placeholder keeps the build green until it lands.
func benchControl(ctx context.Context, args []string) error {
	return errors.New("not built yet")
}
