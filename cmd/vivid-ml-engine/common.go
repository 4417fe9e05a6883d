package main

// Shared command-line plumbing for every command. Typical use in a command:
//
//	fs := flag.NewFlagSet("pose", flag.ContinueOnError)
//	cf := addCommonFlags(fs)                    // --log-level --log-format --cache-dir --offline --ort-lib
//	… the command's own flags …
//	names, err := parseFlags(fs, args)          // positional args, flags may be interleaved
//	log, err := cf.logger()                     // slog to stderr
//	rt := cf.runtime(log)                       // model cache and backends, built once (app.Runtime)
//	err = oneshot.Pose(ctx, oneshot.PoseConfig{Runtime: rt, …}, names, os.Stdout) // the body

import (
	"flag"
	"fmt"
	"log/slog"
	"os"

	"github.com/vivid-ml/vivid-ml-engine/internal/app"
	"github.com/vivid-ml/vivid-ml-engine/internal/conf"
)

// Usage lines of the flags every command shares (run binds them to config keys).
const (
	usageLogLevel       = "log level: debug, info, warn, error"
	usageLogFormat      = "log format: text or json (to stderr)"
	usageCacheDir       = "model cache folder (default $VIVID_CACHE_DIR, else $XDG_CACHE_HOME/vivid-ml-engine)"
	usageOffline        = "never download or fetch models; fail if one is missing"
	usageORTLib         = "ONNX Runtime shared library to load (default $ONNXRUNTIME_LIB, else the cached one)"
	usageBackend        = "inference backend: ort (ONNX Runtime), xla (PJRT plugin, e.g. JAX's CUDA plugin) or go (pure Go, CPU)"
	usagePJRTPlugin     = "PJRT plugin for --backend xla (default $PJRT_PLUGIN_LIBRARY_PATH, else a JAX install's jax_plugins/xla_cuda*/xla_cuda_plugin.so)"
	usageXLAMemFraction = "--backend xla: largest fraction of GPU memory the client may use (0: plugin default; nothing is preallocated)"
	usageXLAPreallocate = "--backend xla: preallocate the memory fraction up front (JAX's default; off here)"
	usageXLAAllocator   = "--backend xla: the GPU client's allocator: default (BFC arena), bfc, platform (cudaMalloc per buffer) or cuda_async"
	usageXLAHalf        = "--backend xla: models (comma-separated: text_encoder,text_encoder_2,unet,vae_encoder,vae_decoder) whose float32 weights the GPU holds as float16"
	usageXLACacheDir    = "--backend xla: folder for XLA's autotuning results, reused by later runs (compile time about halved); \"\": none"
	usageHostLoop       = "--backend xla|go: run diffusion's denoising loop on the host (default: whole frames on the device)"
)

// commonFlags are the flags every command shares.
type commonFlags struct {
	LogLevel  string // debug|info|warn|error
	LogFormat string // text|json
	CacheDir  string // model cache; empty: $VIVID_CACHE_DIR, else the XDG cache dir
	Offline   bool   // never fetch; a missing model is an error naming `models fetch NAME`
	ORTLib    string // ONNX Runtime library; empty: $ONNXRUNTIME_LIB, else the cached "onnxruntime"

	bf *backendFlags // the command's --backend flags, if it has them
	rt *app.Runtime  // built once by runtime
}

// addCommonFlags registers the shared flags on fs.
func addCommonFlags(fs *flag.FlagSet) *commonFlags {
	c := &commonFlags{}
	fs.StringVar(&c.LogLevel, "log-level", "info", usageLogLevel)
	fs.StringVar(&c.LogFormat, "log-format", "text", usageLogFormat)
	fs.StringVar(&c.CacheDir, "cache-dir", "", usageCacheDir)
	fs.BoolVar(&c.Offline, "offline", false, usageOffline)
	fs.StringVar(&c.ORTLib, "ort-lib", "", usageORTLib)
	return c
}

// backendFlags choose what runs the models (app.Runtime.Pick). Config keys: backend, pjrt_plugin, xla_*.
type backendFlags struct {
	b  conf.Backend
	cf *commonFlags
}

// addBackendFlags registers --backend, --pjrt-plugin, --xla-mem-fraction, --xla-preallocate
// for a command with the common flags cf.
func addBackendFlags(fs *flag.FlagSet, cf *commonFlags) *backendFlags {
	bf := &backendFlags{cf: cf}
	fs.StringVar(&bf.b.Name, "backend", "ort", usageBackend)
	fs.StringVar(&bf.b.PJRTPlugin, "pjrt-plugin", "", usagePJRTPlugin)
	fs.Float64Var(&bf.b.XLAMemFraction, "xla-mem-fraction", 0, usageXLAMemFraction)
	fs.BoolVar(&bf.b.XLAPreallocate, "xla-preallocate", false, usageXLAPreallocate)
	fs.StringVar(&bf.b.XLAAllocator, "xla-allocator", "", usageXLAAllocator)
	fs.StringVar(&bf.b.XLAHalfWeights, "xla-half-weights", "", usageXLAHalf)
	fs.StringVar(&bf.b.XLACacheDir, "xla-cache-dir", "", usageXLACacheDir)
	fs.BoolVar(&bf.b.HostLoop, "host-loop", false, usageHostLoop)
	cf.bf = bf
	return bf
}

// close releases the command's runtime (a GoMLX backend, if one was built).
func (bf *backendFlags) close() { bf.cf.rt.Close() }

// parseFlags parses args into fs and returns the positional arguments; flags may come
// before, between or after them, and everything after "--" is positional.
// A bad flag or -h prints fs's usage and returns errUsage.
func parseFlags(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, errUsage
		}
		rest := fs.Args()
		if len(rest) == 0 {
			return pos, nil
		}
		if consumed := len(args) - len(rest); consumed > 0 && args[consumed-1] == "--" {
			return append(pos, rest...), nil
		}
		pos = append(pos, rest[0])
		args = rest[1:]
	}
}

// logger builds the slog logger the flags ask for, writing to stderr.
func (c *commonFlags) logger() (*slog.Logger, error) {
	return app.NewLogger(conf.Log{Level: c.LogLevel, Format: c.LogFormat})
}

// models is the model cache section the flags describe.
func (c *commonFlags) models() conf.Models {
	return conf.Models{CacheDir: c.CacheDir, Offline: c.Offline, ORTLib: c.ORTLib}
}

// runtime is the command's model store and backends, built once (with the command's
// --backend flags when it has them).
func (c *commonFlags) runtime(log *slog.Logger) *app.Runtime {
	if c.rt == nil {
		var b conf.Backend
		if c.bf != nil {
			b = c.bf.b
		}
		c.rt = app.NewRuntime(c.models(), b, log)
	}
	return c.rt
}

// printUsage writes a one-line usage plus fs's flags to stderr and returns errUsage.
func printUsage(fs *flag.FlagSet, line string) error {
	fmt.Fprintln(os.Stderr, "usage: vivid-ml-engine "+line)
	fs.SetOutput(os.Stderr)
	fs.PrintDefaults()
	return errUsage
}
