package main

import (
	"context"
	"errors"
)

// cmdCheck is the "check" command.
func cmdCheck(ctx context.Context, args []string) error {
	return errors.New("check: not built yet")
}
