package main

import (
	"context"
	"fmt"
	"os"
)

// cmdDevices lists what the engine can use: MIDI ports, execution providers, GPUs.
func cmdDevices(ctx context.Context, args []string) error {
	what := "all"
	if len(args) > 0 {
		what = args[0]
	}
	if isHelp(what) {
		return helpFor("usage: vivid-ml-engine devices [midi|gpu]\n\n  midi   MIDI ports\n  gpu    GPUs and execution providers\n")
	}
	switch what {
	case "midi":
		return devicesMIDI(ctx, args[1:])
	case "gpu":
		return devicesGPU(ctx, args[1:])
	case "all":
		if err := devicesMIDI(ctx, nil); err != nil {
			fmt.Fprintln(os.Stderr, "midi:", err)
		}
		if err := devicesGPU(ctx, nil); err != nil {
			fmt.Fprintln(os.Stderr, "gpu:", err)
		}
		return nil
	}
	fmt.Fprintf(os.Stderr, "unknown device kind %q (midi, gpu)\n", what)
	return errUsage
}
