package main

import (
	"context"
	"errors"
)

// cmdModels is the "models" command.
func cmdModels(ctx context.Context, args []string) error {
	return errors.New("models: not built yet")
}
