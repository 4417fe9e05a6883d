package main

import (
	"context"
	"fmt"
	"os"
)

// cmdDiffusion groups the diffusion tools: schedule (print timesteps/sigmas) and run (one img2img).
func cmdDiffusion(ctx context.Context, args []string) error {
	if len(args) == 0 {
		fmt.Fprintln(os.Stderr, "usage: vivid-ml-engine diffusion schedule|run [flags]")
		return errUsage
	}
	switch args[0] {
	case "schedule":
		return diffusionSchedule(ctx, args[1:])
	case "run":
		return diffusionRun(ctx, args[1:])
	}
	fmt.Fprintf(os.Stderr, "unknown diffusion command %q\n", args[0])
	return errUsage
}
