package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"math"
	"os"
	"slices"
	"time"

	"github.com/vivid-ml/vivid-ml-engine/engine/infer"
	"github.com/vivid-ml/vivid-ml-engine/engine/pose"
	"github.com/vivid-ml/vivid-ml-engine/internal/app"
	"github.com/vivid-ml/vivid-ml-engine/onnx"
)

// poseBenchResult is the one JSON line `bench pose-model` prints.
type poseBenchResult struct {
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

// benchPoseModel times warm inference of a pose model (ONNX Runtime, CPU) with input and output
// tensors allocated once, and prints one JSON line with percentiles over --frames runs.
func benchPoseModel(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("bench pose-model", flag.ContinueOnError)
	cf := addCommonFlags(fs)
	name := fs.String("model", "movenet-lightning", "pose model from the cache (movenet-lightning, movenet-thunder, movenet-multipose)")
	onnxPath := fs.String("onnx", "", "time this ONNX file instead of the cached --model")
	frames := fs.Int("frames", 100, "timed runs (after --warmup runs)")
	warmup := fs.Int("warmup", 5, "untimed runs first")
	threads := fs.Int("threads", 0, "intra-op threads (0: one per core)")
	bf := addBackendFlags(fs, cf)
	defer bf.close()
	size := fs.Int("size", 256, "input side for models whose height/width are dynamic (multiple of 32)")
	providers := fs.String("providers", "cpu", "execution providers in order, e.g. cuda,cpu")
	deviceIO := fs.Bool("cuda-device-io", true, "CUDA: keep the input and output tensors on the GPU between runs")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 || *frames < 1 || *warmup < 0 || *threads < 0 || *size < 32 || *size%32 != 0 {
		return printUsage(fs, "bench pose-model [--model NAME | --onnx FILE] [--frames N] [--threads T]")
	}
	log, err := cf.logger()
	if err != nil {
		return err
	}
	st, err := cf.openModels(log)
	if err != nil {
		return err
	}
	chain, err := app.PoseProviders(*providers, *deviceIO)
	if err != nil {
		return err
	}
	var be *onnx.Backend
	if bf.ort() {
		if be, err = cf.ortBackend(ctx, st, log, app.WantsGPU(*providers)); err != nil {
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
	b, err := cf.runtime(log).Pick(func() (infer.Backend, error) {
		if be == nil { // --backend xla without a plugin falls back here
			if be, err = cf.ortBackend(ctx, st, log, app.WantsGPU(*providers)); err != nil {
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
	res := poseBenchResult{
		Bench: "pose-model", Model: label, Input: shape, Frames: *frames,
		P50ms: posePct(d, 50), P90ms: posePct(d, 90), P99ms: posePct(d, 99), MeanMs: poseMean(d),
		Provider: m.Provider(), Threads: *threads, ORT: onnx.Version(),
	}
	if be != nil {
		log.Debug("benchmarked", "library", be.Library(), "model", path)
	}
	return json.NewEncoder(os.Stdout).Encode(res)
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
