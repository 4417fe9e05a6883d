//go:build !windows

package main

import (
	"context"
	"errors"
)

// cmdService is Windows-only: elsewhere the engine runs under systemd (systemd-unit).
func cmdService(context.Context, []string) error {
	return errors.New("windows service mode is only on Windows (on Linux: vivid-ml-engine systemd-unit)")
}
