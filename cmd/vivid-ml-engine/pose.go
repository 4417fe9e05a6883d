package main

import (
	"context"
	"flag"
	"fmt"
	"os"

	"github.com/vivid-ml/vivid-ml-engine/engine/pose"
	"github.com/vivid-ml/vivid-ml-engine/internal/oneshot"
)

// cmdPose is the "pose" command: pose detection on still images, one JSON line each (internal/oneshot).
func cmdPose(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("pose", flag.ContinueOnError)
	cf := addCommonFlags(fs)
	model := fs.String("model", "movenet-lightning", "movenet-lightning, movenet-thunder or movenet-multipose")
	asJSON := fs.Bool("json", true, "one JSON line per image (the only output format)")
	minPerson := fs.Float64("min-person-score", pose.DefaultMinPoseScore, "people below this score are left out")
	threads := fs.Int("threads", 0, "ONNX Runtime intra-op threads (0: one per core)")
	bf := addBackendFlags(fs, cf)
	defer bf.close()
	images, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(images) == 0 {
		return printUsage(fs, "pose [--model NAME] [--json] IMAGE...")
	}
	_ = asJSON
	log, err := cf.logger()
	if err != nil {
		return err
	}
	return oneshot.Pose(ctx, oneshot.PoseConfig{
		Model: *model, MinPersonScore: *minPerson, Threads: *threads, Runtime: cf.runtime(log),
		BadImage: func(err error) { fmt.Fprintf(os.Stderr, "vivid-ml-engine pose: %v\n", err) },
	}, images, os.Stdout)
}
