package main

import (
	"context"
	"fmt"
	"os"
)

// cmdBench runs one benchmark and prints one JSON line per result.
func cmdBench(ctx context.Context, args []string) error {
	const usage = "usage: vivid-ml-engine bench pose-model|control|diffusion|shm|latency|operator [flags]\n"
	if len(args) == 0 {
		fmt.Fprint(os.Stderr, usage)
		return errUsage
	}
	if isHelp(args[0]) {
		return helpFor(usage)
	}
	switch args[0] {
	case "pose-model":
		return benchPoseModel(ctx, args[1:])
	case "control":
		return benchControl(ctx, args[1:])
	case "diffusion":
		return benchDiffusion(ctx, args[1:])
	case "shm":
		return benchShm(ctx, args[1:])
	case "latency":
		return benchLatency(ctx, args[1:])
	case "operator":
		return benchOperator(ctx, args[1:])
	}
	fmt.Fprintf(os.Stderr, "unknown benchmark %q\n", args[0])
	return errUsage
}
