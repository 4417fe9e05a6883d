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
	size := fs.Int("size", 256, "input side for models whose height/width are dynamic (multiple of 32)")
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
	ortLib, err := cf.initORT(ctx, st, log)
	if err != nil {
		return err
	}
	path, label := *onnxPath, *onnxPath
	if path == "" {
		if path, err = st.Path(ctx, *name); err != nil {
			return err
		}
		label = *name
	}
	sess, err := onnx.NewSession(path, onnx.SessionOptions{Threads: *threads, Logger: log})
	if err != nil {
		return err
	}
	defer sess.Close()
	ins, outs := sess.Inputs(), sess.Outputs()
	if len(ins) != 1 || ins[0].Elem != onnx.ElemInt32 || len(ins[0].Shape) != 4 || len(outs) != 1 {
		return fmt.Errorf("%s: want one int32 [1,H,W,3] input and one output, have %v → %v", label, ins, outs)
	}
	shape := slices.Clone(ins[0].Shape)
	for i, d := range shape {
		if d < 0 {
			shape[i] = map[bool]int64{true: int64(*size), false: 1}[i == 1 || i == 2]
		}
	}
	img := make([]int32, shape[0]*shape[1]*shape[2]*shape[3])
	for i := range img {
		img[i] = int32((i*7 + i/int(3*shape[2])*3) % 256)
	}
	in, err := onnx.NewTensorFrom(img, shape...)
	if err != nil {
		return err
	}
	defer in.Destroy()
	d, err := timePose(ctx, sess, in, outs[0], *warmup, *frames)
	if err != nil {
		return fmt.Errorf("%s: %w", label, err)
	}
	res := poseBenchResult{
		Bench: "pose-model", Model: label, Input: shape, Frames: *frames,
		P50ms: posePct(d, 50), P90ms: posePct(d, 90), P99ms: posePct(d, 99), MeanMs: poseMean(d),
		Provider: sess.Provider(), Threads: *threads, ORT: onnx.Version(),
	}
	log.Debug("benchmarked", "library", ortLib, "model", path)
	return json.NewEncoder(os.Stdout).Encode(res)
}

// timePose runs the session warmup+frames times and returns the timed durations, sorted.
// Outputs with a static shape are allocated once; a dynamic one is allocated by ORT per run.
func timePose(ctx context.Context, sess *onnx.Session, in onnx.Value, out onnx.TensorInfo, warmup, frames int) ([]time.Duration, error) {
	var outT *onnx.Tensor[float32]
	if !slices.ContainsFunc(out.Shape, func(d int64) bool { return d < 0 }) && out.Elem == onnx.ElemFloat32 {
		var err error
		if outT, err = onnx.NewTensor[float32](out.Shape...); err != nil {
			return nil, err
		}
		defer outT.Destroy()
	}
	d := make([]time.Duration, 0, frames)
	for i := range warmup + frames {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		t0 := time.Now()
		if outT != nil {
			if err := sess.Run([]onnx.Value{in}, []onnx.Value{outT}); err != nil {
				return nil, err
			}
		} else {
			vals, err := sess.RunAlloc([]onnx.Value{in})
			if err != nil {
				return nil, err
			}
			for _, v := range vals {
				v.Destroy()
			}
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
