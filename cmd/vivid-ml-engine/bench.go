package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"time"

	"github.com/vivid-ml/vivid-ml-engine/engine"
	"github.com/vivid-ml/vivid-ml-engine/internal/bench"
	"github.com/vivid-ml/vivid-ml-engine/output/shm"
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

// benchControl is `bench control`: OSC → snapshot latency, apply cost, mapping reload latency.
func benchControl(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("bench control", flag.ContinueOnError)
	var c bench.ControlConfig
	fs.IntVar(&c.Rate, "rate", 1000, "OSC messages per second")
	fs.DurationVar(&c.Duration, "duration", 5*time.Second, "how long to send")
	fs.IntVar(&c.Reloads, "reloads", 20, "mapping reloads to time")
	if err := fs.Parse(args); err != nil {
		return errUsage
	}
	return bench.Control(ctx, c, os.Stdout)
}

// benchShm is `bench shm`: frames per second through the shared-memory writer vs memcpy.
func benchShm(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("bench shm", flag.ContinueOnError)
	size := fs.String("size", "1920x1080", "frame size WxH")
	c := bench.ShmConfig{Logger: outputLogger()}
	fs.IntVar(&c.Frames, "frames", 600, "frames per measurement")
	fs.IntVar(&c.Slots, "slots", shm.DefaultSlots, "ring slots")
	fs.StringVar(&c.Name, "name", fmt.Sprintf("bench-%d", os.Getpid()), "segment name")
	if err := fs.Parse(args); err != nil {
		return errUsage
	}
	var err error
	if c.Width, c.Height, err = parseSize(*size); err != nil {
		return err
	}
	return bench.Shm(ctx, c, os.Stdout)
}

// benchPoseModel is `bench pose-model`: warm inference of a pose model, percentiles over --frames runs.
func benchPoseModel(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("bench pose-model", flag.ContinueOnError)
	cf := addCommonFlags(fs)
	var c bench.PoseModelConfig
	fs.StringVar(&c.Model, "model", "movenet-lightning", "pose model from the cache (movenet-lightning, movenet-thunder, movenet-multipose)")
	fs.StringVar(&c.ONNX, "onnx", "", "time this ONNX file instead of the cached --model")
	fs.IntVar(&c.Frames, "frames", 100, "timed runs (after --warmup runs)")
	fs.IntVar(&c.Warmup, "warmup", 5, "untimed runs first")
	fs.IntVar(&c.Threads, "threads", 0, "intra-op threads (0: one per core)")
	bf := addBackendFlags(fs, cf)
	defer bf.close()
	fs.IntVar(&c.Size, "size", 256, "input side for models whose height/width are dynamic (multiple of 32)")
	fs.StringVar(&c.Providers, "providers", "cpu", "execution providers in order, e.g. cuda,cpu")
	fs.BoolVar(&c.DeviceIO, "cuda-device-io", true, "CUDA: keep the input and output tensors on the GPU between runs")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 || c.Frames < 1 || c.Warmup < 0 || c.Threads < 0 || c.Size < 32 || c.Size%32 != 0 {
		return printUsage(fs, "bench pose-model [--model NAME | --onnx FILE] [--frames N] [--threads T]")
	}
	if c.Logger, err = cf.logger(); err != nil {
		return err
	}
	c.Runtime = cf.runtime(c.Logger)
	return bench.PoseModel(ctx, c, os.Stdout)
}

// benchLatency is `bench latency`: frame in → OSC out beyond model time, through the real loop.
func benchLatency(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("bench latency", flag.ContinueOnError)
	cf := addCommonFlags(fs)
	var c bench.LatencyConfig
	fs.StringVar(&c.Model, "model", "movenet-lightning", "pose model")
	fs.IntVar(&c.Frames, "frames", 300, "frames to measure (after 10 warm-up frames)")
	fs.StringVar(&c.Size, "size", "640x480", "frame size WxH (test pattern)")
	fs.IntVar(&c.Threads, "threads", 0, "ONNX Runtime intra-op threads (0: one per core)")
	if pos, err := parseFlags(fs, args); err != nil || len(pos) > 0 {
		return printUsage(fs, "bench latency [--model NAME] [--frames N] [--size WxH]")
	}
	var err error
	if c.Width, c.Height, err = engine.ParseSize(c.Size); err != nil {
		return err
	}
	if c.Logger, err = cf.logger(); err != nil {
		return err
	}
	c.Runtime = cf.runtime(c.Logger)
	return bench.Latency(ctx, c, os.Stdout)
}

// benchOperator is `bench operator`: the segmentation or upscaling model on a synthetic frame.
func benchOperator(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("bench operator", flag.ContinueOnError)
	cf := addCommonFlags(fs)
	var c bench.OperatorConfig
	fs.StringVar(&c.Model, "model", "selfie", "selfie, meet or esrgan-{slim,medium,thick}-x{2,3,4,8}")
	fs.IntVar(&c.Width, "width", 640, "frame width")
	fs.IntVar(&c.Height, "height", 480, "frame height")
	fs.IntVar(&c.Frames, "frames", 20, "timed runs (after --warmup runs)")
	fs.IntVar(&c.Warmup, "warmup", 2, "untimed runs first")
	fs.IntVar(&c.Tile, "tile", 0, "upscale: tile size (0: the whole frame in one run)")
	fs.IntVar(&c.Threads, "threads", 0, "intra-op threads (0: one per core)")
	fs.StringVar(&c.Providers, "providers", "cpu", "execution providers in order, e.g. cuda,cpu")
	bf := addBackendFlags(fs, cf)
	defer bf.close()
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 || c.Frames < 1 || c.Warmup < 0 || c.Width < 1 || c.Height < 1 {
		return printUsage(fs, "bench operator --model NAME [--width W --height H] [--frames N] [--threads T]")
	}
	log, err := cf.logger()
	if err != nil {
		return err
	}
	c.Runtime = cf.runtime(log)
	return bench.Operator(ctx, c, os.Stdout)
}

// benchDiffusion is `bench diffusion`: the img2img pipeline per stage (tiny random models without --model).
func benchDiffusion(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("bench diffusion", flag.ContinueOnError)
	cf := addCommonFlags(fs)
	model := fs.String("model", "", "SDXL ONNX folder (default: tiny random models in a temp dir)")
	size := fs.Int("size", 512, "working size (square, multiple of 8)")
	var c bench.DiffusionConfig
	fs.IntVar(&c.Frames, "frames", 20, "frames to time (after one warm-up frame)")
	fs.IntVar(&c.Steps, "steps", 4, "inference steps of the schedule")
	fs.Float64Var(&c.Strength, "strength", 0.5, "img2img strength")
	fs.Float64Var(&c.Guidance, "guidance", 0, "classifier-free guidance scale (≤ 1: off)")
	pf, err := addPipelineFlags(fs, cf)
	if err != nil {
		return err
	}
	defer pf.backend.close()
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 0 {
		return printUsage(fs, "bench diffusion [--model DIR] [--size 512] [--frames N] [flags]")
	}
	if c.Logger, err = cf.logger(); err != nil {
		return err
	}
	c.Pipeline, c.Runtime = pf.section(*model, *size), cf.runtime(c.Logger)
	return bench.Diffusion(ctx, c, os.Stdout)
}
