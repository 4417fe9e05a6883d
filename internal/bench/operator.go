package bench

import (
	"context"
	"encoding/json"
	"fmt"
	"image"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/vivid-ml/vivid-ml-engine/engine/segment"
	"github.com/vivid-ml/vivid-ml-engine/engine/upscale"
	"github.com/vivid-ml/vivid-ml-engine/internal/app"
	"github.com/vivid-ml/vivid-ml-engine/onnx"
)

// OperatorResult is the one JSON line `bench operator` prints. Frame times include the
// operator's CPU pre- and post-processing on a frame of the given size (segment: resample to
// the model and the mask back; upscale: bytes → tensor → bytes, tiles), model times only Run.
type OperatorResult struct {
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

// OperatorConfig configures Operator (`bench operator` flags of the same names).
type OperatorConfig struct {
	Model         string // selfie, meet or esrgan-{slim,medium,thick}-x{2,3,4,8}
	Width, Height int
	Frames        int // timed runs (after Warmup runs)
	Warmup        int
	Tile          int // upscale: tile size (0: the whole frame in one run)
	Threads       int
	Providers     string
	Runtime       *app.Runtime
}

// Operator times the segmentation or upscaling operator (`segment`/`upscale` one-shot code
// paths) on a synthetic frame and writes one JSON line to out.
func Operator(ctx context.Context, c OperatorConfig, out io.Writer) error {
	name, width, height, frames, warmup, tile := &c.Model, &c.Width, &c.Height, &c.Frames, &c.Warmup, &c.Tile
	threads, providers := &c.Threads, &c.Providers
	st, b, err := app.OperatorBackend(ctx, c.Runtime, *providers, *threads)
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
	res := OperatorResult{Bench: "operator", Model: *name, Frame: [2]int{*width, *height}, Frames: *frames,
		P50ms: posePct(fd, 50), P90ms: posePct(fd, 90), MeanMs: poseMean(fd), Provider: provider, Threads: *threads, ORT: onnx.Version()}
	if model != nil {
		md, err := timeIt(model)
		if err != nil {
			return fmt.Errorf("%s: %w", *name, err)
		}
		res.ModelP50ms, res.ModelMeanMs = posePct(md, 50), poseMean(md)
	}
	return json.NewEncoder(out).Encode(res)
}
