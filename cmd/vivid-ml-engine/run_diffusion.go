package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"

	"github.com/vivid-ml/vivid-ml-engine/engine"
	"github.com/vivid-ml/vivid-ml-engine/engine/diffusion"
	"github.com/vivid-ml/vivid-ml-engine/engine/infer"
	"github.com/vivid-ml/vivid-ml-engine/onnx"
	"github.com/vivid-ml/vivid-ml-engine/tensorrt"
	"github.com/vivid-ml/vivid-ml-engine/tensorrt/gpu"
)

// pipelineFlags are the model-loading flags shared by `run`, `diffusion run` and `bench diffusion`.
type pipelineFlags struct {
	backend      *backendFlags // --backend (backend_select.go)
	providers    string
	cudaOptions  string
	deviceIO     bool
	threads      int
	deviceID     int
	cudaMemLimit int64
	trtCache     string
	trtFP16      bool
	trtTiming    bool
	trtDynamic   bool
	taesd        bool
	scheduler    string
	rng          string
	eta          float64
}

// addPipelineFlags registers the flags with prefix ("" or "diffusion-").
func addPipelineFlags(fs *flag.FlagSet, prefix string) *pipelineFlags {
	f := &pipelineFlags{}
	if prefix == "" {
		f.backend = addBackendFlags(fs)
	}
	fs.StringVar(&f.providers, prefix+"providers", "cpu", "execution providers in order, e.g. tensorrt,cuda,cpu; per model after ';': \"cuda,cpu;text_encoder=cpu\"")
	fs.IntVar(&f.threads, prefix+"threads", 0, "ONNX Runtime intra-op threads (0: one per core)")
	fs.IntVar(&f.deviceID, prefix+"device", 0, "GPU device id for CUDA/TensorRT")
	fs.Int64Var(&f.cudaMemLimit, prefix+"cuda-mem-limit", 0, "CUDA memory arena limit in bytes (0: none)")
	fs.StringVar(&f.trtCache, prefix+"trt-cache", "", "TensorRT engine/timing cache folder (\"\": no cache)")
	fs.BoolVar(&f.trtFP16, prefix+"trt-fp16", true, "TensorRT fp16")
	fs.BoolVar(&f.trtTiming, prefix+"trt-timing-cache", true, "TensorRT timing cache (needs a cache folder)")
	fs.BoolVar(&f.trtDynamic, prefix+"trt-dynamic", false, "TensorRT dynamic profile 256²..1024², batch 1..2, instead of static size, batch 1")
	fs.BoolVar(&f.taesd, prefix+"taesd", false, "use the tiny VAE (taesd_encoder/, taesd_decoder/)")
	fs.StringVar(&f.cudaOptions, prefix+"cuda-options", "", "extra CUDA provider options k=v,… (e.g. enable_cuda_graph=1,prefer_nhwc=1)")
	fs.BoolVar(&f.deviceIO, prefix+"cuda-device-io", true, "CUDA: bind model inputs/outputs to GPU buffers that keep their address (needed for enable_cuda_graph)")
	fs.StringVar(&f.scheduler, prefix+"scheduler", "", "scheduler override: euler|euler-ancestral|ddim|tcd|lcm (default: the folder's)")
	fs.StringVar(&f.rng, prefix+"rng", diffusion.RNGTorch, "noise generator: torch (a seed draws what diffusers/ComfyUI draw with torch.Generator(\"cpu\").manual_seed) | engine (own PCG stream)")
	fs.Float64Var(&f.eta, prefix+"eta", -1, "DDIM/TCD step eta (diffusers' pipelines pass 0); < 0: the scheduler's default (DDIM 0, TCD 0.3)")
	return f
}

// etaPtr is --eta for diffusion.Config: nil (the scheduler's default) when negative.
func (f *pipelineFlags) etaPtr() *float64 {
	if f.eta < 0 {
		return nil
	}
	e := f.eta
	return &e
}

// openPipeline opens the model folder on the command's ONNX Runtime backend (built once
// from cf: --ort-lib, $ONNXRUNTIME_LIB or the model cache, under --cache-dir and --offline;
// with the CUDA providers when the chain names cuda or tensorrt).
func openPipeline(ctx context.Context, dir string, size int, f *pipelineFlags, cf *commonFlags, log *slog.Logger) (*diffusion.Pipeline, error) {
	chain, perModel, err := diffusion.ParseProviders(f.providers)
	if err != nil {
		return nil, err
	}
	cudaOpts, err := parseOptionList(f.cudaOptions)
	if err != nil {
		return nil, fmt.Errorf("--cuda-options: %w", err)
	}
	st, err := cf.openModels(log)
	if err != nil {
		return nil, err
	}
	var be *onnx.Backend
	if f.backend.ort() {
		if be, err = cf.ortBackend(ctx, st, log, wantsGPU(f.providers)); err != nil {
			return nil, err
		}
	}
	prov := diffusion.Providers{
		Chain: chain, PerModel: perModel, DeviceID: f.deviceID, CUDAMemLimit: f.cudaMemLimit,
		TRTFP16: f.trtFP16, TRTCacheDir: f.trtCache, TRTTimingCache: f.trtTiming,
		Size: size, Dynamic: f.trtDynamic, CUDAOptions: cudaOpts, DeviceIO: f.deviceIO,
	}
	if d, err := diffusion.FolderDims(dir, f.taesd); err == nil {
		prov.Dims = &d // TensorRT profiles in the folder's sizes (Open checks them against the models)
	}
	prov.Versions.ORT = onnx.Version()
	if gpu.Available() && strings.Contains(f.providers, onnx.ProviderTensorRT) {
		// GPU facts key the TensorRT engine cache; without them the key says unknown-gpu.
		if devs, err := gpu.Devices(); err == nil {
			for _, d := range devs {
				if d.Index == f.deviceID {
					prov.Versions.GPU.Name = d.Name
					prov.Versions.GPU.ComputeMajor, prov.Versions.GPU.ComputeMinor, _ = tensorrt.ParseComputeCapability(d.CC)
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
	backend, err := f.backend.pick(func() (infer.Backend, error) {
		if be == nil { // --backend xla without a plugin falls back here
			if be, err = cf.ortBackend(ctx, st, log, wantsGPU(f.providers)); err != nil {
				return nil, err
			}
		}
		return be.With(func(name string) []onnx.ProviderConfig { return byModel[name] }, f.threads), nil
	}, log)
	if err != nil {
		return nil, err
	}
	var dev *gpu.Device
	if gpu.Available() {
		// CUDA build: frame ↔ tensor conversions run on the GPU (ONNX Runtime still gets host memory).
		if dev, err = gpu.Open(f.deviceID, log); err != nil {
			log.Warn("no GPU for frame conversions; using the CPU", "error", err)
			dev = nil
		} else {
			log.Info("frame conversions on the GPU", "gpu", dev.Info().String())
		}
	}
	p, err := diffusion.Open(diffusion.Config{
		Dir: dir, Scheduler: f.scheduler, TAESD: f.taesd, RNG: f.rng, Eta: f.etaPtr(), Logger: log, GPU: dev, Backend: backend,
	})
	return p, err // Open closes dev when it fails
}

// diffusionOptions holds the `run` flags of the diffusion subsystem.
type diffusionOptions struct {
	model   string
	size    int
	similar float64
	maxSkip int
	slerp   bool
	flags   *pipelineFlags
}

// registerDiffusionFlags adds the diffusion flags to run's flag set.
func registerDiffusionFlags(fs *flag.FlagSet) *diffusionOptions {
	o := &diffusionOptions{}
	fs.StringVar(&o.model, "diffusion-model", "", "SDXL ONNX folder (diffusers/Optimum layout); enables the diffusion stage")
	fs.IntVar(&o.size, "diffusion-size", 512, "diffusion working size (square, multiple of 8)")
	fs.Float64Var(&o.similar, "diffusion-similar", 0, "skip frames whose cosine similarity to the last processed one is ≥ this (0: off; e.g. 0.98)")
	fs.IntVar(&o.maxSkip, "diffusion-max-skip", 10, "most consecutive frames the similarity filter skips")
	fs.BoolVar(&o.slerp, "diffusion-slerp", true, "blend preset embeddings by slerp (false: lerp)")
	o.flags = addPipelineFlags(fs, "diffusion-")
	return o
}

// stageCloser closes the stage, then the pipeline.
type stageCloser struct {
	s *diffusion.Stage
	p *diffusion.Pipeline
}

func (c stageCloser) Close() error {
	c.s.Close()
	return c.p.Close()
}

// startDiffusion starts the diffusion subsystem for `run`; it returns nil, nil when nothing is configured.
func startDiffusion(ctx context.Context, o *diffusionOptions, cf *commonFlags, env *runEnv) (io.Closer, error) {
	if o == nil || o.model == "" {
		return nil, nil
	}
	if o.size < 8 || o.size%8 != 0 {
		return nil, fmt.Errorf("--diffusion-size %d: want a positive multiple of 8", o.size)
	}
	log := env.Logger
	if log == nil {
		log = slog.New(slog.NewTextHandler(os.Stderr, nil))
	}
	log = log.With("component", "diffusion")
	p, err := openPipeline(ctx, o.model, o.size, o.flags, cf, log)
	if err != nil {
		return nil, err
	}
	s := diffusion.NewStage(diffusion.StageConfig{
		Pipeline: p, Size: o.size, Slerp: o.slerp, Logger: log,
		Similar: diffusion.SimilarFilter{Threshold: o.similar, MaxSkip: o.maxSkip},
	})
	if env.Params != nil {
		params := env.Params.Update(func(p *engine.Params) { p.DiffusionEnabled = true })
		if err := s.Warm(ctx, params); err != nil {
			s.Close()
			p.Close()
			return nil, err
		}
	}
	env.Operators = append(env.Operators, engine.DiffusionOperator(s))
	env.reportProvider("diffusion", strings.Join(p.Providers(), ","))
	log.Info("diffusion stage ready", "model", o.model, "size", o.size, "scheduler", p.SchedulerName(), "providers", p.Providers())
	return stageCloser{s: s, p: p}, nil
}

// parseOptionList reads "k=v,k2=v2" into a map ("" gives nil).
func parseOptionList(s string) (map[string]string, error) {
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
