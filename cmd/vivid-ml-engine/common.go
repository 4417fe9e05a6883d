package main

// Shared command-line plumbing for every command. Typical use in a command:
//
//	fs := flag.NewFlagSet("pose", flag.ContinueOnError)
//	cf := addCommonFlags(fs)                    // --log-level --log-format --cache-dir --offline --ort-lib
//	… the command's own flags …
//	names, err := parseFlags(fs, args)          // positional args, flags may be interleaved
//	log, err := cf.logger()                     // slog to stderr
//	st, err := cf.openModels(log)               // the model cache (lazy fetch unless --offline)
//	be, err := cf.ortBackend(ctx, st, log, gpu) // ONNX Runtime, built once per command and passed to the stages
//	path, err := st.Path(ctx, "movenet-lightning")

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"strings"

	"github.com/vivid-ml/vivid-ml-engine/models"
	"github.com/vivid-ml/vivid-ml-engine/onnx"
)

// commonFlags are the flags every command shares.
type commonFlags struct {
	LogLevel  string // debug|info|warn|error
	LogFormat string // text|json
	CacheDir  string // model cache; empty: $VIVID_CACHE_DIR, else the XDG cache dir
	Offline   bool   // never fetch; a missing model is an error naming `models fetch NAME`
	ORTLib    string // ONNX Runtime library; empty: $ONNXRUNTIME_LIB, else the cached "onnxruntime"

	backend *onnx.Backend // built once by ortBackend
}

// addCommonFlags registers the shared flags on fs.
func addCommonFlags(fs *flag.FlagSet) *commonFlags {
	c := &commonFlags{}
	fs.StringVar(&c.LogLevel, "log-level", "info", "log level: debug, info, warn, error")
	fs.StringVar(&c.LogFormat, "log-format", "text", "log format: text or json (to stderr)")
	fs.StringVar(&c.CacheDir, "cache-dir", "", "model cache folder (default $VIVID_CACHE_DIR, else $XDG_CACHE_HOME/vivid-ml-engine)")
	fs.BoolVar(&c.Offline, "offline", false, "never download or fetch models; fail if one is missing")
	fs.StringVar(&c.ORTLib, "ort-lib", "", "ONNX Runtime shared library to load (default $ONNXRUNTIME_LIB, else the cached one)")
	return c
}

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
	var level slog.Level
	if err := level.UnmarshalText([]byte(c.LogLevel)); err != nil {
		return nil, fmt.Errorf("--log-level %q: want debug, info, warn or error", c.LogLevel)
	}
	opts := &slog.HandlerOptions{Level: level}
	switch strings.ToLower(c.LogFormat) {
	case "text":
		return slog.New(slog.NewTextHandler(os.Stderr, opts)), nil
	case "json":
		return slog.New(slog.NewJSONHandler(os.Stderr, opts)), nil
	}
	return nil, fmt.Errorf("--log-format %q: want text or json", c.LogFormat)
}

// openModels opens the model cache with these flags; progress bars go to stderr when it is a terminal.
func (c *commonFlags) openModels(log *slog.Logger) (*models.Store, error) {
	return models.Open(models.Options{CacheDir: c.CacheDir, Offline: c.Offline, Logger: log, Progress: os.Stderr})
}

// ortLibrary picks the ONNX Runtime library: --ort-lib, else $ONNXRUNTIME_LIB, else the
// cache's "onnxruntime" entry (fetched on first use unless --offline). With gpu set and
// neither flag nor variable given, the cached core comes with the CUDA and TensorRT
// providers beside it ("onnxruntime-cuda"); where they cannot be had, one line says
// why and the CPU library is used.
func (c *commonFlags) ortLibrary(ctx context.Context, st *models.Store, log *slog.Logger, gpu bool) (string, error) {
	if c.ORTLib != "" {
		if _, err := os.Stat(c.ORTLib); err != nil {
			return "", fmt.Errorf("--ort-lib: %w", err)
		}
		return c.ORTLib, nil
	}
	if gpu && os.Getenv("ONNXRUNTIME_LIB") == "" {
		lib, err := st.ORTGPULibrary(ctx)
		if err == nil {
			return lib, nil
		}
		log.Warn("CUDA/TensorRT execution providers unavailable; loading the CPU library", "reason", err.Error(),
			"fetch", "vivid-ml-engine models fetch "+models.CUDAProviders)
	}
	return st.ORTLibrary(ctx)
}

// ortBackend loads ONNX Runtime once per command (ortLibrary) and returns the backend
// every stage of the command runs its models on.
func (c *commonFlags) ortBackend(ctx context.Context, st *models.Store, log *slog.Logger, gpu bool) (*onnx.Backend, error) {
	if c.backend != nil {
		return c.backend, nil
	}
	lib, err := c.ortLibrary(ctx, st, log, gpu)
	if err != nil {
		return nil, err
	}
	b, err := onnx.NewBackend(onnx.BackendConfig{Library: lib, Logger: log})
	if err != nil {
		return nil, err
	}
	log.Debug("onnx runtime loaded", "version", onnx.Version(), "library", lib)
	c.backend = b
	return b, nil
}

// wantsGPU reports whether a provider list names a GPU provider.
func wantsGPU(providers ...string) bool {
	for _, p := range providers {
		if strings.Contains(p, onnx.ProviderCUDA) || strings.Contains(p, onnx.ProviderTensorRT) {
			return true
		}
	}
	return false
}

// printUsage writes a one-line usage plus fs's flags to stderr and returns errUsage.
func printUsage(fs *flag.FlagSet, line string) error {
	fmt.Fprintln(os.Stderr, "usage: vivid-ml-engine "+line)
	fs.SetOutput(os.Stderr)
	fs.PrintDefaults()
	return errUsage
}

// ortBackendFor builds the command's backend before any stage opens a model, with the
// CUDA providers when any of the given provider lists (of stages that are on) names a GPU.
func (c *commonFlags) ortBackendFor(ctx context.Context, log *slog.Logger, posePro, diffPro string, diffusionOn bool) (*onnx.Backend, error) {
	st, err := c.openModels(log)
	if err != nil {
		return nil, err
	}
	return c.ortBackend(ctx, st, log, wantsGPU(posePro) || (diffusionOn && wantsGPU(diffPro)))
}
