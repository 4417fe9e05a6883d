package oneshot

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
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

// PoseConfig configures Pose (the `pose` flags of the same names).
type PoseConfig struct {
	Model          string  // movenet-lightning, movenet-thunder or movenet-multipose
	MinPersonScore float64 // people below this score are left out
	Threads        int     // ONNX Runtime intra-op threads (0: one per core)
	Runtime        *app.Runtime
	// BadImage is told of each image that cannot be read (Pose goes on with the next);
	// nil: such errors are only counted.
	BadImage func(error)
}

// ErrSomeImages is Pose's error when at least one image could not be read (each was
// passed to BadImage).
var ErrSomeImages = errors.New("some images could not be read")

// Pose runs pose detection on each image and writes one JSON line per image to out,
// flushed image by image.
func Pose(ctx context.Context, c PoseConfig, images []string, w io.Writer) error {
	spec, err := pose.LookupSpec(c.Model)
	if err != nil {
		return err
	}
	load, err := app.PoseLoader(ctx, c.Runtime, c.Threads, nil)
	if err != nil {
		return err
	}
	m, err := load(spec.Name)
	if err != nil {
		return err
	}
	if cl, ok := m.(io.Closer); ok {
		defer cl.Close()
	}
	opt := pose.DefaultOptions()
	opt.MinPoseScore = float32(c.MinPersonScore)
	opt.Smoothing = false
	out := bufio.NewWriter(w)
	defer func() { _ = out.Flush() }() // every line is flushed below; this is for an early return
	enc := json.NewEncoder(out)
	var failed error
	for _, path := range images {
		img, err := engine.LoadImage(path)
		if err != nil {
			if c.BadImage != nil {
				c.BadImage(err)
			}
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
		if err := out.Flush(); err != nil {
			return err
		}
	}
	if failed != nil {
		return ErrSomeImages
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
