package main

import (
	"context"
	"errors"
)

// cmdDevices is the "devices" command.
func cmdDevices(ctx context.Context, args []string) error {
	return errors.New("devices: not built yet")
}
