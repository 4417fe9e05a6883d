package main

import (
	"context"
	"errors"
)

// cmdPose is the "pose" command.
func cmdPose(ctx context.Context, args []string) error {
	return errors.New("pose: not built yet")
}
