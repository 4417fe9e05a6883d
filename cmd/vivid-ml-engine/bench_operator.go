package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"image"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/vivid-ml/vivid-ml-engine/engine/segment"
	"github.com/vivid-ml/vivid-ml-engine/engine/upscale"
	"github.com/vivid-ml/vivid-ml-engine/internal/app"
	"github.com/vivid-ml/vivid-ml-engine/onnx"
)

// operatorBenchResult is the one JSON line `bench operator` prints. Frame times include the
// operator's CPU pre- and post-processing on a frame of the given size (segment: resample to
// the model and the mask back; upscale: bytes → tensor → bytes, tiles), model times only Run.
type operatorBenchResult struct {
	Bench       string  `json:"bench"`
	Model       string  `json:"model"`
	Frame       [2]int  `json:"frame"` // width, height fed to the operator
	Frames      int     `json:"frames"`
	P50ms       float64 `json:"p50_ms"`
	P90ms       float64 `json:"p90_ms"`
	MeanMs      float64 `json:"mean_ms"`
	ModelP50ms  float64 `json:"model_p50_ms,omitempty"`
	ModelMeanMs float64 `json:"model_mean_ms,omitempty"`
	Provider    string  `json:"provider"`
	Threads     int     `json:"threads"`
	ORT         string  `json:"onnxruntime"`
}

// benchOperator times the segmentation or upscaling operator (`segment`/`upscale` one-shot
// code paths) on a synthetic frame and prints one JSON line.
func benchOperator(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("bench operator", flag.ContinueOnError)
	cf := addCommonFlags(fs)
	name := fs.String("model", "selfie", "selfie, meet or esrgan-{slim,medium,thick}-x{2,3,4,8}")
	width := fs.Int("width", 640, "frame width")
	height := fs.Int("height", 480, "frame height")
	frames := fs.Int("frames", 20, "timed runs (after --warmup runs)")
	warmup := fs.Int("warmup", 2, "untimed runs first")
	tile := fs.Int("tile", 0, "upscale: tile size (0: the whole frame in one run)")
	threads := fs.Int("threads", 0, "intra-op threads (0: one per core)")
	providers := fs.String("providers", "cpu", "execution providers in order, e.g. cuda,cpu")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 || *frames < 1 || *warmup < 0 || *width < 1 || *height < 1 {
		return printUsage(fs, "bench operator --model NAME [--width W --height H] [--frames N] [--threads T]")
	}
	log, err := cf.logger()
	if err != nil {
		return err
	}
	st, b, err := app.OperatorBackend(ctx, cf.runtime(log), *providers, *threads)
	if err != nil {
		return err
	}
	path, err := st.Path(ctx, *name)
	if err != nil {
		return err
	}
	img := image.NewRGBA(image.Rect(0, 0, *width, *height))
	for i := range img.Pix {
		img.Pix[i] = byte((i*7 + i/(4**width)*3) % 256)
	}
	var frame, model func() error
	var provider string
	switch {
	case *name == "selfie" || *name == "meet":
		m, err := segment.Open(b, path)
		if err != nil {
			return err
		}
		defer m.Close()
		frame = func() error { _, err := m.Segment(img); return err }
		mw, mh := m.Size()
		small := image.NewRGBA(image.Rect(0, 0, mw, mh))
		model = func() error { _, err := m.Raw(small); return err }
		provider = m.Provider()
	case strings.HasPrefix(*name, "esrgan-"):
		var scale int
		cut := strings.LastIndex(*name, "-x")
		if cut < 0 {
			return fmt.Errorf("model %q: want esrgan-VARIANT-xSCALE", *name)
		}
		if _, err := fmt.Sscanf((*name)[cut+2:], "%d", &scale); err != nil {
			return fmt.Errorf("model %q: %w", *name, err)
		}
		_, rng, err := upscale.ModelName((*name)[:cut], scale)
		if err != nil {
			return err
		}
		u, err := upscale.Open(b, path, scale, rng)
		if err != nil {
			return err
		}
		defer u.Close()
		u.Tile = *tile
		frame = func() error { _, err := u.Upscale(img); return err }
		model = nil // the frame is one model run when untiled
		provider = u.Provider()
	default:
		return fmt.Errorf("unknown operator model %q", *name)
	}
	timeIt := func(fn func() error) ([]time.Duration, error) {
		d := make([]time.Duration, 0, *frames)
		for i := range *warmup + *frames {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
			t0 := time.Now()
			if err := fn(); err != nil {
				return nil, err
			}
			if i >= *warmup {
				d = append(d, time.Since(t0))
			}
		}
		slices.Sort(d)
		return d, nil
	}
	fd, err := timeIt(frame)
	if err != nil {
		return fmt.Errorf("%s: %w", *name, err)
	}
	res := operatorBenchResult{Bench: "operator", Model: *name, Frame: [2]int{*width, *height}, Frames: *frames,
		P50ms: posePct(fd, 50), P90ms: posePct(fd, 90), MeanMs: poseMean(fd), Provider: provider, Threads: *threads, ORT: onnx.Version()}
	if model != nil {
		md, err := timeIt(model)
		if err != nil {
			return fmt.Errorf("%s: %w", *name, err)
		}
		res.ModelP50ms, res.ModelMeanMs = posePct(md, 50), poseMean(md)
	}
	return json.NewEncoder(os.Stdout).Encode(res)
}
