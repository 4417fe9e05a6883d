//go:build cgo && (linux || darwin)

package xla

import (
	"fmt"
	"log/slog"
	"os"

	"github.com/gomlx/go-xla/pkg/pjrt"
	"github.com/gomlx/gomlx/backends"
	gomlxla "github.com/gomlx/gomlx/backends/xla"
)

// newPJRT loads the plugin at path with client options that do not preallocate the
// device (JAX's GPU client options: preallocate, memory_fraction, allocator).
func newPJRT(path string, cfg Config, log *slog.Logger) (backends.Backend, error) {
	if cfg.AutotuneCache != "" {
		if err := os.MkdirAll(cfg.AutotuneCache, 0o755); err != nil {
			return nil, fmt.Errorf("xla: autotune cache: %w", err)
		}
	}
	setPluginEnv(cfg.AutotuneCache)
	opts := pjrt.NamedValuesMap{"preallocate": cfg.Preallocate}
	if cfg.MemoryFraction > 0 {
		opts["memory_fraction"] = float32(cfg.MemoryFraction)
	}
	alloc := cfg.Allocator
	if alloc == "" {
		alloc = "cuda_async"
	}
	if alloc != "default" {
		opts["allocator"] = alloc
	}
	if pluginPlatform(path) != "cuda" {
		opts = nil
	}
	be, err := gomlxla.NewWithOptions(path, opts)
	if err != nil && cfg.Allocator == "" && opts != nil {
		// A plugin without the CUDA async allocator: its own default, as before.
		log.Warn("PJRT client refused allocator cuda_async; using the plugin's default", "error", err)
		delete(opts, "allocator")
		be, err = gomlxla.NewWithOptions(path, opts)
	}
	if err != nil {
		return nil, fmt.Errorf("xla: PJRT plugin %s: %w", path, err)
	}
	return be, nil
}
