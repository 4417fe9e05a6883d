package main

import (
	"flag"
	"fmt"
	"net"

	"github.com/vivid-ml/vivid-ml-engine/internal/conf"
	"github.com/vivid-ml/vivid-ml-engine/output/shm"
	"github.com/vivid-ml/vivid-ml-engine/output/spout"
	"github.com/vivid-ml/vivid-ml-engine/output/tdshm"
)

// binder binds flags to fields of the one config schema (conf.Config): each flag writes
// into vals (which starts as the embedded defaults, so -h shows them), and overlay copies
// the flags given on the command line into a loaded config. Precedence is embedded
// default < config file < flags; a repeatable flag replaces the file's list.
type binder struct {
	fs   *flag.FlagSet
	vals *conf.Config
	copy map[string]func(dst *conf.Config)
}

func newBinder(fs *flag.FlagSet) (*binder, error) {
	d, err := conf.Default()
	if err != nil {
		return nil, err
	}
	return &binder{fs: fs, vals: d, copy: map[string]func(*conf.Config){}}, nil
}

// bind registers one flag of type T on field (reg is fs.StringVar, fs.IntVar, …).
func bind[T any](b *binder, reg func(*T, string, T, string), name, usage string, field func(*conf.Config) *T) {
	p := field(b.vals)
	reg(p, name, *p, usage)
	b.copy[name] = func(dst *conf.Config) { *field(dst) = *field(b.vals) }
}

// list registers a repeatable flag on a list field; check validates each value.
func (b *binder) list(name, usage string, field func(*conf.Config) *[]string, check func(string) error) {
	*field(b.vals) = nil
	b.fs.Func(name, usage, func(v string) error {
		if check != nil {
			if err := check(v); err != nil {
				return err
			}
		}
		*field(b.vals) = append(*field(b.vals), v)
		return nil
	})
	b.copy[name] = func(dst *conf.Config) { *field(dst) = append([]string(nil), *field(b.vals)...) }
}

// overlay writes the flags given on the command line into dst.
func (b *binder) overlay(dst *conf.Config) {
	b.fs.Visit(func(f *flag.Flag) {
		if c := b.copy[f.Name]; c != nil {
			c(dst)
		}
	})
}

// runCommandFlags are every flag of `run`; `check` takes the same command line.
type runCommandFlags struct {
	fs     *flag.FlagSet
	b      *binder
	config string // --config: the file; every other flag is a config key
}

// newRunCommandFlags registers run's flags on a flag set called name.
func newRunCommandFlags(name string) (*runCommandFlags, error) {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	b, err := newBinder(fs)
	if err != nil {
		return nil, err
	}
	k := &runCommandFlags{fs: fs, b: b}
	fs.StringVar(&k.config, "config", "", "config file (YAML, docs/config.md; flags given here override it; default: the embedded config)")
	bindCommon(b)
	bind(b, fs.StringVar, "source", "frame source: testpattern, an image/video file or folder, ffmpeg:<input args>, /dev/videoN, stdin:WxH, shm:NAME",
		func(c *conf.Config) *string { return &c.Source.Spec })
	bind(b, fs.StringVar, "pose-model", "movenet-lightning, movenet-thunder or movenet-multipose",
		func(c *conf.Config) *string { return &c.Pose.Model })
	bind(b, fs.StringVar, "pose-providers", "pose execution providers in order, e.g. cuda,cpu",
		func(c *conf.Config) *string { return &c.Pose.Providers })
	b.list("osc-out", "OSC pose target `HOST:PORT` (repeatable; replaces the config's targets)",
		func(c *conf.Config) *[]string { return &c.OSCOut.Targets }, nil) // checked in load, naming the flag
	bind(b, fs.Uint64Var, "frames", "stop after N frames (0: run until interrupted)", func(c *conf.Config) *uint64 { return &c.Frames })
	bindControl(b)
	bindPipeline(b, "diffusion-", func(c *conf.Config) *conf.Diffusion { return &c.Diffusion })
	bindDiffusionStage(b)
	bindBackend(b)
	bindOutputs(b)
	bindOperators(b)
	return k, nil
}

// load reads --config (or the embedded default), puts the command line over it and validates.
func (k *runCommandFlags) load() (*conf.Config, error) {
	cfg, err := conf.Load(k.config)
	if err != nil {
		return nil, err
	}
	k.b.overlay(cfg)
	if flagGiven(k.fs, "osc-out") {
		for _, t := range cfg.OSCOut.Targets {
			if _, _, err := net.SplitHostPort(t); err != nil {
				return nil, fmt.Errorf("--osc-out %q: want HOST:PORT", t)
			}
		}
	}
	return cfg, cfg.Validate()
}

// flagGiven reports whether the flag name was given on the command line.
func flagGiven(fs *flag.FlagSet, name string) bool {
	set := false
	fs.Visit(func(f *flag.Flag) { set = set || f.Name == name })
	return set
}

// bindCommon binds the flags every command has (log, model cache) to their config keys.
func bindCommon(b *binder) {
	fs := b.fs
	bind(b, fs.StringVar, "log-level", usageLogLevel, func(c *conf.Config) *string { return &c.Log.Level })
	bind(b, fs.StringVar, "log-format", usageLogFormat, func(c *conf.Config) *string { return &c.Log.Format })
	bind(b, fs.StringVar, "cache-dir", usageCacheDir, func(c *conf.Config) *string { return &c.Models.CacheDir })
	bind(b, fs.BoolVar, "offline", usageOffline, func(c *conf.Config) *bool { return &c.Models.Offline })
	bind(b, fs.StringVar, "ort-lib", usageORTLib, func(c *conf.Config) *string { return &c.Models.ORTLib })
}

// bindBackend binds --backend, --pjrt-plugin, --xla-mem-fraction and --xla-preallocate.
func bindBackend(b *binder) {
	fs := b.fs
	bind(b, fs.StringVar, "backend", usageBackend, func(c *conf.Config) *string { return &c.Backend.Name })
	bind(b, fs.StringVar, "pjrt-plugin", usagePJRTPlugin, func(c *conf.Config) *string { return &c.Backend.PJRTPlugin })
	bind(b, fs.Float64Var, "xla-mem-fraction", usageXLAMemFraction, func(c *conf.Config) *float64 { return &c.Backend.XLAMemFraction })
	bind(b, fs.BoolVar, "xla-preallocate", usageXLAPreallocate, func(c *conf.Config) *bool { return &c.Backend.XLAPreallocate })
	bind(b, fs.StringVar, "xla-allocator", usageXLAAllocator, func(c *conf.Config) *string { return &c.Backend.XLAAllocator })
	bind(b, fs.StringVar, "xla-half-weights", usageXLAHalf, func(c *conf.Config) *string { return &c.Backend.XLAHalfWeights })
	bind(b, fs.StringVar, "xla-cache-dir", usageXLACacheDir, func(c *conf.Config) *string { return &c.Backend.XLACacheDir })
	bind(b, fs.BoolVar, "host-loop", usageHostLoop, func(c *conf.Config) *bool { return &c.Backend.HostLoop })
}

// bindControl binds the control section: OSC and MIDI in, feedback, mapping and presets files.
func bindControl(b *binder) {
	fs := b.fs
	ctl := func(c *conf.Config) *conf.Control { return &c.Control }
	bind(b, fs.StringVar, "osc-in", "receive OSC control on `ADDR:PORT` (a multicast group joins it; \"off\" disables)",
		func(c *conf.Config) *string { return &ctl(c).OSCIn })
	b.list("osc-allow", "accept OSC only from this `CIDR` (repeatable; default: anyone who can reach --osc-in)",
		func(c *conf.Config) *[]string { return &ctl(c).OSCAllow }, nil)
	b.list("feedback", "send parameter feedback and /vivid/status to `HOST:PORT` (repeatable)",
		func(c *conf.Config) *[]string { return &ctl(c).Feedback }, nil)
	b.list("mapping", "mapping `FILE` (YAML, reloaded live; repeatable; MIDI learn writes to the first)",
		func(c *conf.Config) *[]string { return &ctl(c).Mappings }, nil)
	bind(b, fs.StringVar, "presets", "presets `FILE` (YAML, reloaded live)", func(c *conf.Config) *string { return &ctl(c).Presets })
	bind(b, fs.StringVar, "midi-in", "open the MIDI input whose name contains `NAME` (default: the mapping file's midi.port)",
		func(c *conf.Config) *string { return &ctl(c).MIDIIn })
	bind(b, fs.StringVar, "midi-out", "send LED/fader feedback to the MIDI output whose name contains `NAME` (default: as input; \"none\" disables)",
		func(c *conf.Config) *string { return &ctl(c).MIDIOut })
}

// bindPipeline binds the model-loading flags of a diffusion section (prefix "" for
// `diffusion run` and `bench diffusion`, "diffusion-" for run).
func bindPipeline(b *binder, prefix string, sec func(*conf.Config) *conf.Diffusion) {
	fs := b.fs
	bind(b, fs.StringVar, prefix+"providers", "execution providers in order, e.g. tensorrt,cuda,cpu; per model after ';': \"cuda,cpu;text_encoder=cpu\"",
		func(c *conf.Config) *string { return &sec(c).Providers })
	bind(b, fs.IntVar, prefix+"threads", "ONNX Runtime intra-op threads (0: one per core)", func(c *conf.Config) *int { return &sec(c).Threads })
	bind(b, fs.IntVar, prefix+"device", "GPU device id for CUDA/TensorRT", func(c *conf.Config) *int { return &sec(c).Device })
	bind(b, fs.Int64Var, prefix+"cuda-mem-limit", "CUDA memory arena limit in bytes (0: none)", func(c *conf.Config) *int64 { return &sec(c).CUDAMemLimit })
	bind(b, fs.StringVar, prefix+"trt-cache", "TensorRT engine/timing cache folder (\"\": no cache)", func(c *conf.Config) *string { return &sec(c).TRTCache })
	bind(b, fs.BoolVar, prefix+"trt-fp16", "TensorRT fp16", func(c *conf.Config) *bool { return &sec(c).TRTFP16 })
	bind(b, fs.BoolVar, prefix+"trt-timing-cache", "TensorRT timing cache (needs a cache folder)", func(c *conf.Config) *bool { return &sec(c).TRTTimingCache })
	bind(b, fs.BoolVar, prefix+"trt-dynamic", "TensorRT dynamic profile 256²..1024², batch 1..2, instead of static size, batch 1",
		func(c *conf.Config) *bool { return &sec(c).TRTDynamic })
	bind(b, fs.BoolVar, prefix+"taesd", "use the tiny VAE (taesd_encoder/, taesd_decoder/)", func(c *conf.Config) *bool { return &sec(c).TAESD })
	bind(b, fs.StringVar, prefix+"cuda-options", "extra CUDA provider options k=v,… (e.g. enable_cuda_graph=1,prefer_nhwc=1)",
		func(c *conf.Config) *string { return &sec(c).CUDAOptions })
	bind(b, fs.BoolVar, prefix+"cuda-device-io", "CUDA: bind model inputs/outputs to GPU buffers that keep their address (needed for enable_cuda_graph)",
		func(c *conf.Config) *bool { return &sec(c).CUDADeviceIO })
	bind(b, fs.StringVar, prefix+"scheduler", "scheduler override: euler|euler-ancestral|ddim|tcd|lcm (default: the folder's)",
		func(c *conf.Config) *string { return &sec(c).Scheduler })
	bind(b, fs.StringVar, prefix+"rng", "noise generator: torch (a seed draws what diffusers/ComfyUI draw with torch.Generator(\"cpu\").manual_seed) | engine (own PCG stream)",
		func(c *conf.Config) *string { return &sec(c).RNG })
	bind(b, fs.Float64Var, prefix+"eta", "DDIM/TCD step eta (diffusers' pipelines pass 0); < 0: the scheduler's default (DDIM 0, TCD 0.3)",
		func(c *conf.Config) *float64 { return &sec(c).Eta })
}

// bindDiffusionStage binds run's diffusion stage flags (the model folder and the live stage).
func bindDiffusionStage(b *binder) {
	fs := b.fs
	d := func(c *conf.Config) *conf.Diffusion { return &c.Diffusion }
	bind(b, fs.StringVar, "diffusion-model", "SDXL ONNX folder (diffusers/Optimum layout); enables the diffusion stage",
		func(c *conf.Config) *string { return &d(c).Model })
	bind(b, fs.IntVar, "diffusion-size", "diffusion working size (square, multiple of 8)", func(c *conf.Config) *int { return &d(c).Size })
	bind(b, fs.Float64Var, "diffusion-similar", "skip frames whose cosine similarity to the last processed one is ≥ this (0: off; e.g. 0.98)",
		func(c *conf.Config) *float64 { return &d(c).Similar })
	bind(b, fs.IntVar, "diffusion-max-skip", "most consecutive frames the similarity filter skips", func(c *conf.Config) *int { return &d(c).MaxSkip })
	bind(b, fs.BoolVar, "diffusion-slerp", "blend preset embeddings by slerp (false: lerp)", func(c *conf.Config) *bool { return &d(c).Slerp })
}

// bindOutputs binds the outputs section: shared memory, TouchDesigner, Spout, preview, recording.
func bindOutputs(b *binder) {
	fs := b.fs
	o := func(c *conf.Config) *conf.Outputs { return &c.Outputs }
	spec := func(check func(string) error) func(string) error {
		return func(v string) error { _, err := conf.ParseOutputSpec(v, check); return err }
	}
	b.list("shm-out", "publish frames to shared-memory segment `NAME[:input|pose|diffusion|mask|matte|upscale]` (repeatable; "+
		"default stream: upscale when it reads diffusion, else diffusion when it runs, else input)",
		func(c *conf.Config) *[]string { return &o(c).SHM }, spec(shm.CheckName))
	b.list("td-shm", "publish frames to a TouchDesigner Shared Mem In TOP named `NAME[:stream]` (Windows only; repeatable)",
		func(c *conf.Config) *[]string { return &o(c).TDSHM }, spec(tdshm.CheckName))
	b.list("spout-out", "publish frames as a Spout 2 sender `NAME[:stream]` (Windows, DirectX 11; repeatable)",
		func(c *conf.Config) *[]string { return &o(c).Spout }, spec(spout.CheckName))
	bind(b, fs.IntVar, "shm-slots", "ring slots per shared-memory segment", func(c *conf.Config) *int { return &o(c).SHMSlots })
	bind(b, fs.StringVar, "http", "serve the web preview at `ADDR:PORT` (\":PORT\" binds loopback only)", func(c *conf.Config) *string { return &o(c).HTTP })
	b.list("http-allow-host", "answer HTTP for this Host `NAME` too (repeatable; default: IP addresses and localhost; \"*\": any)",
		func(c *conf.Config) *[]string { return &o(c).HTTPAllowHosts }, nil)
	bind(b, fs.StringVar, "record", "record a stream to `FILE` (e.g. out.mp4) through ffmpeg", func(c *conf.Config) *string { return &o(c).Record.Path })
	bind(b, fs.StringVar, "record-stream", "stream to record (default: as --shm-out)", func(c *conf.Config) *string { return &o(c).Record.Stream })
	bind(b, fs.Float64Var, "record-fps", "frame rate written into the recording", func(c *conf.Config) *float64 { return &o(c).Record.FPS })
}

// bindOperators binds the segmentation and upscaling flags (the operators section).
func bindOperators(b *binder) {
	fs := b.fs
	op := func(c *conf.Config) *conf.Operators { return &c.Operators }
	bind(b, fs.BoolVar, "segment", "person segmentation on the input: streams mask and matte, OSC /segment/{found,coverage,box} to the --osc-out targets",
		func(c *conf.Config) *bool { return &op(c).Segment.Enabled })
	bind(b, fs.StringVar, "segment-model", "segmentation model: selfie or meet", func(c *conf.Config) *string { return &op(c).Segment.Model })
	bind(b, fs.StringVar, "segment-color", "matte background colour `RRGGBB` (segment_mode 0)", func(c *conf.Config) *string { return &op(c).Segment.Color })
	bind(b, fs.IntVar, "upscale", "upscale the --upscale-stream by 2, 3, 4 or 8 onto the upscale stream (0: off)",
		func(c *conf.Config) *int { return &op(c).Upscale.Scale })
	bind(b, fs.StringVar, "upscale-model", "esrgan-slim, esrgan-medium or esrgan-thick", func(c *conf.Config) *string { return &op(c).Upscale.Model })
	bind(b, fs.StringVar, "upscale-stream", "stream the upscaler reads: any stream an operator emits (input, pose, diffusion, mask, matte)",
		func(c *conf.Config) *string { return &op(c).Upscale.Stream })
	bind(b, fs.StringVar, "operator-providers", "execution providers of the segmentation and upscaling models",
		func(c *conf.Config) *string { return &op(c).Providers })
	bind(b, fs.IntVar, "operator-threads", "ONNX Runtime intra-op threads for them (0: one per core)", func(c *conf.Config) *int { return &op(c).Threads })
}

// pipelineFlags are the model-loading flags of `diffusion run` and `bench diffusion` (the
// diffusion section's, without prefix) and their --backend flags.
type pipelineFlags struct {
	b       *binder
	backend *backendFlags
}

// addPipelineFlags registers them on fs for a command with the common flags cf.
func addPipelineFlags(fs *flag.FlagSet, cf *commonFlags) (*pipelineFlags, error) {
	b, err := newBinder(fs)
	if err != nil {
		return nil, err
	}
	bindPipeline(b, "", func(c *conf.Config) *conf.Diffusion { return &c.Diffusion })
	return &pipelineFlags{b: b, backend: addBackendFlags(fs, cf)}, nil
}

// section is the diffusion section the flags describe, for the model folder dir at size.
func (p *pipelineFlags) section(dir string, size int) conf.Diffusion {
	d := p.b.vals.Diffusion
	d.Model, d.Size = dir, size
	return d
}
