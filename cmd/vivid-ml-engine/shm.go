package main

import (
	"context"
	"errors"
)

// cmdShm is the "shm" command.
func cmdShm(ctx context.Context, args []string) error {
	return errors.New("shm: not built yet")
}
