package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strings"

	"github.com/vivid-ml/vivid-ml-engine/engine/infer"
	"github.com/vivid-ml/vivid-ml-engine/internal/conf"
	"github.com/vivid-ml/vivid-ml-engine/models"
	"github.com/vivid-ml/vivid-ml-engine/onnx"
	"github.com/vivid-ml/vivid-ml-engine/xla"
)

// ErrBackend marks a bad backend name.
var ErrBackend = errors.New("--backend: want ort, xla or go")

// Runtime is what runs a command's models, built once per command: the model cache and the
// inference backends — ONNX Runtime (its providers chosen per stage), XLA through a PJRT
// plugin ("xla") or GoMLX's pure-Go CPU backend ("go"). Backends are values stages are
// given, never process globals they probe.
type Runtime struct {
	models  conf.Models
	backend conf.Backend
	log     *slog.Logger

	store *models.Store
	ort   *onnx.Backend
	xla   *xla.Backend
}

// NewRuntime returns a runtime; nothing is loaded until a stage asks.
func NewRuntime(m conf.Models, b conf.Backend, log *slog.Logger) *Runtime {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Runtime{models: m, backend: b, log: log}
}

// Store opens the model cache (once); progress bars go to stderr when it is a terminal.
func (r *Runtime) Store() (*models.Store, error) {
	if r.store != nil {
		return r.store, nil
	}
	st, err := models.Open(models.Options{CacheDir: r.models.CacheDir, Offline: r.models.Offline, Logger: r.log, Progress: os.Stderr})
	if err != nil {
		return nil, err
	}
	r.store = st
	return st, nil
}

// ORTLibrary picks the ONNX Runtime library: models.ort_lib (--ort-lib), else
// $ONNXRUNTIME_LIB, else the cache's "onnxruntime" entry (fetched on first use unless
// offline). With gpu set and neither given, the cached core comes with the CUDA and
// TensorRT providers beside it ("onnxruntime-cuda"); where they cannot be had, one line
// says why and the CPU library is used.
func (r *Runtime) ORTLibrary(ctx context.Context, gpu bool) (string, error) {
	if lib := r.models.ORTLib; lib != "" {
		if _, err := os.Stat(lib); err != nil {
			return "", fmt.Errorf("--ort-lib: %w", err)
		}
		return lib, nil
	}
	st, err := r.Store()
	if err != nil {
		return "", err
	}
	if gpu && os.Getenv("ONNXRUNTIME_LIB") == "" {
		lib, err := st.ORTGPULibrary(ctx)
		if err == nil {
			return lib, nil
		}
		r.log.Warn("CUDA/TensorRT execution providers unavailable; loading the CPU library", "reason", err.Error(),
			"fetch", "vivid-ml-engine models fetch "+models.CUDAProviders)
	}
	return st.ORTLibrary(ctx)
}

// ORT loads ONNX Runtime once per command and returns the backend every stage runs its
// models on (with the CUDA providers when gpu is set the first time).
func (r *Runtime) ORT(ctx context.Context, gpu bool) (*onnx.Backend, error) {
	if r.ort != nil {
		return r.ort, nil
	}
	lib, err := r.ORTLibrary(ctx, gpu)
	if err != nil {
		return nil, err
	}
	b, err := onnx.NewBackend(onnx.BackendConfig{Library: lib, Logger: r.log})
	if err != nil {
		return nil, err
	}
	r.log.Debug("onnx runtime loaded", "version", onnx.Version(), "library", lib)
	r.ort = b
	return b, nil
}

// UsesORT reports whether the backend is ONNX Runtime.
func (r *Runtime) UsesORT() bool { return r.backend.Name == "" || r.backend.Name == "ort" }

// Pick returns the backend the command's stages run on: ort() for "ort" (and for "xla"
// when no PJRT plugin is found: one warning line says how to get one), else the GoMLX
// backend, built once.
func (r *Runtime) Pick(ort func() (infer.Backend, error)) (infer.Backend, error) {
	switch r.backend.Name {
	case "", "ort":
		return ort()
	case "xla", "go":
	default:
		return nil, fmt.Errorf("%w, got %q", ErrBackend, r.backend.Name)
	}
	if r.xla != nil {
		return r.xla, nil
	}
	xb, err := xla.New(xla.Config{Kind: r.backend.Name, Plugin: r.backend.PJRTPlugin, MemoryFraction: r.backend.XLAMemFraction,
		Preallocate: r.backend.XLAPreallocate, Allocator: r.backend.XLAAllocator,
		HalfWeights: splitList(r.backend.XLAHalfWeights), AutotuneCache: r.backend.XLACacheDir, Logger: r.log})
	if errors.Is(err, xla.ErrNoPlugin) {
		r.log.Warn("--backend xla: falling back to ONNX Runtime: " + err.Error())
		return ort()
	}
	if err != nil {
		return nil, err
	}
	r.log.Info("inference backend", "backend", r.backend.Name, "provider", xb.Provider())
	r.xla = xb
	return xb, nil
}

// Close releases the GoMLX backend, if one was built.
func (r *Runtime) Close() {
	if r != nil && r.xla != nil {
		_ = r.xla.Close() // releasing the PJRT client at exit; nothing to do about an error
		r.xla = nil
	}
}

// PJRTStatus is `devices gpu`'s line about the PJRT plugin --backend xla would load.
func PJRTStatus() string {
	p, err := xla.FindPlugin("")
	if err != nil {
		return "pjrt: " + err.Error()
	}
	return "pjrt: " + p + " (--backend xla)"
}

// WantsGPU reports whether a provider list names a GPU provider.
func WantsGPU(providers ...string) bool {
	for _, p := range providers {
		if strings.Contains(p, onnx.ProviderCUDA) || strings.Contains(p, onnx.ProviderTensorRT) {
			return true
		}
	}
	return false
}

// NewLogger builds the slog logger the log section asks for, writing to stderr.
func NewLogger(c conf.Log) (*slog.Logger, error) {
	var level slog.Level
	if err := level.UnmarshalText([]byte(c.Level)); err != nil {
		return nil, fmt.Errorf("--log-level %q: want debug, info, warn or error", c.Level)
	}
	opts := &slog.HandlerOptions{Level: level}
	switch strings.ToLower(c.Format) {
	case "text":
		return slog.New(slog.NewTextHandler(os.Stderr, opts)), nil
	case "json":
		return slog.New(slog.NewJSONHandler(os.Stderr, opts)), nil
	}
	return nil, fmt.Errorf("--log-format %q: want text or json", c.Format)
}

// splitList splits a comma-separated list, dropping blanks.
func splitList(s string) []string {
	var out []string
	for _, f := range strings.Split(s, ",") {
		if f = strings.TrimSpace(f); f != "" {
			out = append(out, f)
		}
	}
	return out
}
