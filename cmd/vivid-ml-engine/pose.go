package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/vivid-ml/vivid-ml-engine/engine"
	"github.com/vivid-ml/vivid-ml-engine/engine/pose"
	"github.com/vivid-ml/vivid-ml-engine/internal/app"
)

// poseJSON is one line of `pose --json`.
type poseJSON struct {
	Image  string       `json:"image"`
	Width  int          `json:"width"`
	Height int          `json:"height"`
	People []personJSON `json:"people"`
}

type personJSON struct {
	ID        int            `json:"id"`
	Score     float32        `json:"score"`
	Box       [4]float32     `json:"box"`
	Keypoints []keypointJSON `json:"keypoints"`
}

type keypointJSON struct {
	Name  string  `json:"name"`
	X     float32 `json:"x"`
	Y     float32 `json:"y"`
	Score float32 `json:"score"`
}

// cmdPose is the "pose" command: pose detection on still images, one JSON line each.
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
	spec, err := pose.LookupSpec(*model)
	if err != nil {
		return err
	}
	load, err := app.PoseLoader(ctx, cf.runtime(log), *threads, nil)
	if err != nil {
		return err
	}
	m, err := load(spec.Name)
	if err != nil {
		return err
	}
	if c, ok := m.(io.Closer); ok {
		defer c.Close()
	}
	opt := pose.DefaultOptions()
	opt.MinPoseScore = float32(*minPerson)
	opt.Smoothing = false
	out := bufio.NewWriter(os.Stdout)
	defer out.Flush()
	enc := json.NewEncoder(out)
	var failed error
	for _, path := range images {
		img, err := engine.LoadImage(path)
		if err != nil {
			fmt.Fprintf(os.Stderr, "vivid-ml-engine pose: %v\n", err)
			failed = errors.Join(failed, err)
			continue
		}
		// A fresh estimator per image: no crop or tracker state carries over (tfjs' first frame).
		people, _, err := pose.NewEstimator(spec, m, opt).Estimate(img, time.Time{})
		if err != nil {
			return fmt.Errorf("%s: %w", path, err)
		}
		if err := enc.Encode(toPoseJSON(path, img.Rect.Dx(), img.Rect.Dy(), people)); err != nil {
			return err
		}
		out.Flush()
	}
	if failed != nil {
		return fmt.Errorf("some images could not be read")
	}
	return nil
}

func toPoseJSON(path string, w, h int, people []engine.Person) poseJSON {
	r := poseJSON{Image: path, Width: w, Height: h, People: []personJSON{}}
	for _, p := range people {
		pj := personJSON{ID: p.ID, Score: p.Score, Box: p.Box, Keypoints: make([]keypointJSON, 17)}
		for i, k := range p.Keypoints {
			pj.Keypoints[i] = keypointJSON{Name: engine.KeypointNames[i], X: k.X, Y: k.Y, Score: k.Score}
		}
		r.People = append(r.People, pj)
	}
	return r
}
