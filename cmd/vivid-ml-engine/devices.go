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
	switch what {
	case "midi":
		return devicesMIDI(ctx, args[1:])
	case "all":
		if err := devicesMIDI(ctx, nil); err != nil {
			fmt.Fprintln(os.Stderr, "midi:", err)
		}
		return nil
	}
	fmt.Fprintf(os.Stderr, "unknown device kind %q (midi)\n", what)
	return errUsage
}
