package app

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"

	"github.com/vivid-ml/vivid-ml-engine/engine"
	"github.com/vivid-ml/vivid-ml-engine/engine/diffusion"
	"github.com/vivid-ml/vivid-ml-engine/engine/infer"
	"github.com/vivid-ml/vivid-ml-engine/internal/conf"
	"github.com/vivid-ml/vivid-ml-engine/onnx"
	"github.com/vivid-ml/vivid-ml-engine/tensorrt"
	"github.com/vivid-ml/vivid-ml-engine/tensorrt/gpu"
)

// OpenPipeline opens the diffusion section's model folder (d.Model at working size d.Size)
// on the runtime's backend (ONNX Runtime: with the CUDA providers when the chain names cuda
// or tensorrt; or XLA/Go when the runtime says so).
func OpenPipeline(ctx context.Context, rt *Runtime, d conf.Diffusion, log *slog.Logger) (*diffusion.Pipeline, error) {
	dir, size := d.Model, d.Size
	chain, perModel, err := diffusion.ParseProviders(d.Providers)
	if err != nil {
		return nil, err
	}
	cudaOpts, err := ParseOptionList(d.CUDAOptions)
	if err != nil {
		return nil, fmt.Errorf("--cuda-options: %w", err)
	}
	var be *onnx.Backend
	if rt.UsesORT() {
		if be, err = rt.ORT(ctx, WantsGPU(d.Providers)); err != nil {
			return nil, err
		}
	}
	prov := diffusion.Providers{
		Chain: chain, PerModel: perModel, DeviceID: d.Device, CUDAMemLimit: d.CUDAMemLimit,
		TRTFP16: d.TRTFP16, TRTCacheDir: d.TRTCache, TRTTimingCache: d.TRTTimingCache,
		Size: size, Dynamic: d.TRTDynamic, CUDAOptions: cudaOpts, DeviceIO: d.CUDADeviceIO,
	}
	if dims, err := diffusion.FolderDims(dir, d.TAESD); err == nil {
		prov.Dims = &dims // TensorRT profiles in the folder's sizes (Open checks them against the models)
	}
	prov.Versions.ORT = onnx.Version()
	if gpu.Available() && strings.Contains(d.Providers, onnx.ProviderTensorRT) {
		// GPU facts key the TensorRT engine cache; without them the key says unknown-gpu.
		if devs, err := gpu.Devices(); err == nil {
			for _, dv := range devs {
				if dv.Index == d.Device {
					prov.Versions.GPU.Name = dv.Name
					prov.Versions.GPU.ComputeMajor, prov.Versions.GPU.ComputeMinor, _ = tensorrt.ParseComputeCapability(dv.CC)
				}
			}
		} else {
			log.Warn("no GPU facts for the TensorRT cache key", "error", err)
		}
	}
	byModel := map[string][]onnx.ProviderConfig{}
	for _, m := range diffusion.ModelParts {
		if byModel[m], err = prov.For(m); err != nil {
			return nil, err
		}
	}
	backend, err := rt.Pick(func() (infer.Backend, error) {
		if be == nil { // --backend xla without a plugin falls back here
			if be, err = rt.ORT(ctx, WantsGPU(d.Providers)); err != nil {
				return nil, err
			}
		}
		return be.With(func(name string) []onnx.ProviderConfig { return byModel[name] }, d.Threads), nil
	})
	if err != nil {
		return nil, err
	}
	var dev *gpu.Device
	if gpu.Available() {
		// CUDA build: frame ↔ tensor conversions run on the GPU (ONNX Runtime still gets host memory).
		if dev, err = gpu.Open(d.Device, log); err != nil {
			log.Warn("no GPU for frame conversions; using the CPU", "error", err)
			dev = nil
		} else {
			log.Info("frame conversions on the GPU", "gpu", dev.Info().String())
		}
	}
	var eta *float64 // nil: the scheduler's default
	if d.Eta >= 0 {
		e := d.Eta
		eta = &e
	}
	p, err := diffusion.Open(diffusion.Config{
		Dir: dir, Scheduler: d.Scheduler, TAESD: d.TAESD, RNG: d.RNG, Eta: eta, Logger: log, GPU: dev, Backend: backend,
		HostLoop: rt.backend.HostLoop,
	})
	return p, err // Open closes dev when it fails
}

// stageCloser closes the stage, then the pipeline.
type stageCloser struct {
	s *diffusion.Stage
	p *diffusion.Pipeline
}

func (c stageCloser) Close() error {
	return errors.Join(c.s.Close(), c.p.Close())
}

// startDiffusion starts the diffusion operator of a run; it returns nil, nil when no model is configured.
func startDiffusion(ctx context.Context, o conf.Diffusion, rt *Runtime, env *runEnv) (io.Closer, error) {
	if o.Model == "" {
		return nil, nil
	}
	if o.Size < 8 || o.Size%8 != 0 {
		return nil, fmt.Errorf("--diffusion-size %d: want a positive multiple of 8", o.Size)
	}
	log := env.Logger
	if log == nil {
		log = slog.New(slog.NewTextHandler(os.Stderr, nil))
	}
	log = log.With("component", "diffusion")
	p, err := OpenPipeline(ctx, rt, o, log)
	if err != nil {
		return nil, err
	}
	s := diffusion.NewStage(diffusion.StageConfig{
		Pipeline: p, Size: o.Size, Slerp: o.Slerp, Logger: log,
		Similar: diffusion.SimilarFilter{Threshold: o.Similar, MaxSkip: o.MaxSkip},
	})
	if env.Params != nil {
		params := env.Params.Update(func(p *engine.Params) { p.DiffusionEnabled = true })
		if err := s.Warm(ctx, params); err != nil {
			return nil, errors.Join(err, s.Close(), p.Close())
		}
	}
	env.Operators = append(env.Operators, engine.DiffusionOperator(s))
	env.reportProvider("diffusion", strings.Join(p.Providers(), ","))
	log.Info("diffusion stage ready", "model", o.Model, "size", o.Size, "scheduler", p.SchedulerName(), "providers", p.Providers())
	return stageCloser{s: s, p: p}, nil
}

// ParseOptionList reads "k=v,k2=v2" into a map ("" gives nil).
func ParseOptionList(s string) (map[string]string, error) {
	if strings.TrimSpace(s) == "" {
		return nil, nil
	}
	out := map[string]string{}
	for _, kv := range strings.Split(s, ",") {
		k, v, ok := strings.Cut(strings.TrimSpace(kv), "=")
		if !ok || k == "" {
			return nil, fmt.Errorf("%q: want KEY=VALUE", kv)
		}
		out[k] = v
	}
	return out, nil
}
