package main

import (
	_ "embed"
	"fmt"
)

// systemdUnit is the unit file shipped with the engine (`vivid-ml-engine systemd-unit`).
//
//go:embed vivid-ml-engine.service
var systemdUnit string

func cmdSystemdUnit() error {
	fmt.Print(systemdUnit)
	return nil
}
