package bench

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"math"
	"slices"
	"time"

	"github.com/vivid-ml/vivid-ml-engine/engine/infer"
	"github.com/vivid-ml/vivid-ml-engine/engine/pose"
	"github.com/vivid-ml/vivid-ml-engine/internal/app"
	"github.com/vivid-ml/vivid-ml-engine/onnx"
)

// PoseModelResult is the one JSON line `bench pose-model` prints.
type PoseModelResult struct {
	Bench    string  `json:"bench"`
	Model    string  `json:"model"`
	Input    []int64 `json:"input"`
	Frames   int     `json:"frames"`
	P50ms    float64 `json:"p50_ms"`
	P90ms    float64 `json:"p90_ms"`
	P99ms    float64 `json:"p99_ms"`
	MeanMs   float64 `json:"mean_ms"`
	Provider string  `json:"provider"`
	Threads  int     `json:"threads"`
	ORT      string  `json:"onnxruntime"`
}

// PoseModelConfig configures PoseModel (`bench pose-model` flags of the same names).
type PoseModelConfig struct {
	Model     string // pose model from the cache
	ONNX      string // time this ONNX file instead of Model
	Frames    int    // timed runs (after Warmup runs)
	Warmup    int
	Threads   int
	Size      int // input side for models whose height/width are dynamic (multiple of 32)
	Providers string
	DeviceIO  bool // CUDA: keep the input and output tensors on the GPU between runs
	Runtime   *app.Runtime
	Logger    *slog.Logger
}

// PoseModel times warm inference of a pose model with input and output tensors allocated
// once, and writes one JSON line with percentiles over Frames runs to out.
func PoseModel(ctx context.Context, c PoseModelConfig, out io.Writer) error {
	name, onnxPath, frames, warmup, threads, size := &c.Model, &c.ONNX, &c.Frames, &c.Warmup, &c.Threads, &c.Size
	providers, deviceIO, rt, log := &c.Providers, &c.DeviceIO, c.Runtime, c.Logger
	st, err := rt.Store()
	if err != nil {
		return err
	}
	chain, err := app.PoseProviders(*providers, *deviceIO)
	if err != nil {
		return err
	}
	var be *onnx.Backend
	if rt.UsesORT() {
		if be, err = rt.ORT(ctx, app.WantsGPU(*providers)); err != nil {
			return err
		}
	}
	path, label := *onnxPath, *onnxPath
	if path == "" {
		if path, err = st.Path(ctx, *name); err != nil {
			return err
		}
		label = *name
	}
	b, err := rt.Pick(func() (infer.Backend, error) {
		if be == nil { // --backend xla without a plugin falls back here
			if be, err = rt.ORT(ctx, app.WantsGPU(*providers)); err != nil {
				return nil, err
			}
		}
		return be.With(func(string) []onnx.ProviderConfig { return chain }, *threads), nil
	})
	if err != nil {
		return err
	}
	m, err := pose.OpenModel(b, path)
	if err != nil {
		return err
	}
	defer m.Close()
	h, w := *size, *size
	if s := m.InputShape(); len(s) == 4 && s[1] > 0 && s[2] > 0 {
		h, w = int(s[1]), int(s[2])
	}
	shape := []int64{1, int64(h), int64(w), 3}
	img, err := m.InputBuffer(h, w)
	if err != nil {
		return err
	}
	for i := range img {
		img[i] = int32((i*7 + i/(3*w)*3) % 256)
	}
	d, err := timePose(ctx, m, h, w, *warmup, *frames)
	if err != nil {
		return fmt.Errorf("%s: %w", label, err)
	}
	res := PoseModelResult{
		Bench: "pose-model", Model: label, Input: shape, Frames: *frames,
		P50ms: posePct(d, 50), P90ms: posePct(d, 90), P99ms: posePct(d, 99), MeanMs: poseMean(d),
		Provider: m.Provider(), Threads: *threads, ORT: onnx.Version(),
	}
	if be != nil {
		log.Debug("benchmarked", "library", be.Library(), "model", path)
	}
	return json.NewEncoder(out).Encode(res)
}

// timePose runs the model warmup+frames times on its own input buffer and returns the
// timed durations, sorted.
func timePose(ctx context.Context, m *pose.InferModel, h, w, warmup, frames int) ([]time.Duration, error) {
	d := make([]time.Duration, 0, frames)
	for i := range warmup + frames {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		t0 := time.Now()
		if _, err := m.Infer(nil, h, w); err != nil {
			return nil, err
		}
		if i >= warmup {
			d = append(d, time.Since(t0))
		}
	}
	slices.Sort(d)
	return d, nil
}

// posePct is the nearest-rank percentile p of sorted durations, in milliseconds.
func posePct(sorted []time.Duration, p int) float64 {
	k := (len(sorted)*p + 99) / 100
	k = min(max(k, 1), len(sorted))
	return float64(sorted[k-1].Microseconds()) / 1000
}

func poseMean(d []time.Duration) float64 {
	var sum time.Duration
	for _, x := range d {
		sum += x
	}
	return math.Round(float64(sum.Microseconds())/float64(len(d))) / 1000
}
