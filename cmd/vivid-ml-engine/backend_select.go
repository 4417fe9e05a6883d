package main

import (
	"errors"
	"flag"
	"fmt"
	"log/slog"

	"github.com/vivid-ml/vivid-ml-engine/engine/infer"
	"github.com/vivid-ml/vivid-ml-engine/xla"
)

// backendFlags choose what runs the models: ONNX Runtime ("ort", its providers from
// the command's provider flags), XLA through a PJRT plugin ("xla") or GoMLX's pure-Go
// CPU backend ("go"). Config key: `backend`.
type backendFlags struct {
	name        string
	plugin      string
	memFraction float64
	preallocate bool

	built *xla.Backend // GoMLX backend, built once per command
}

// addBackendFlags registers --backend, --pjrt-plugin, --xla-mem-fraction, --xla-preallocate.
func addBackendFlags(fs *flag.FlagSet) *backendFlags {
	b := &backendFlags{}
	fs.StringVar(&b.name, "backend", "ort", "inference backend: ort (ONNX Runtime), xla (PJRT plugin, e.g. JAX's CUDA plugin) or go (pure Go, CPU)")
	fs.StringVar(&b.plugin, "pjrt-plugin", "", "PJRT plugin for --backend xla (default $PJRT_PLUGIN_LIBRARY_PATH, else a JAX install's jax_plugins/xla_cuda*/xla_cuda_plugin.so)")
	fs.Float64Var(&b.memFraction, "xla-mem-fraction", 0, "--backend xla: largest fraction of GPU memory the client may use (0: plugin default; nothing is preallocated)")
	fs.BoolVar(&b.preallocate, "xla-preallocate", false, "--backend xla: preallocate the memory fraction up front (JAX's default; off here)")
	return b
}

// errBackend marks a bad --backend value.
var errBackend = errors.New("--backend: want ort, xla or go")

// pick returns the backend the command's stages run on: ort() for "ort" (and for
// "xla" when no PJRT plugin is found: one warning line says how to get one), else the
// GoMLX backend, built once.
func (b *backendFlags) pick(ort func() (infer.Backend, error), log *slog.Logger) (infer.Backend, error) {
	if b == nil {
		return ort()
	}
	switch b.name {
	case "", "ort":
		return ort()
	case "xla", "go":
	default:
		return nil, fmt.Errorf("%w, got %q", errBackend, b.name)
	}
	if b.built != nil {
		return b.built, nil
	}
	xb, err := xla.New(xla.Config{Kind: b.name, Plugin: b.plugin, MemoryFraction: b.memFraction, Preallocate: b.preallocate, Logger: log})
	if errors.Is(err, xla.ErrNoPlugin) {
		log.Warn("--backend xla: falling back to ONNX Runtime: " + err.Error())
		return ort()
	}
	if err != nil {
		return nil, err
	}
	log.Info("inference backend", "backend", b.name, "provider", xb.Provider())
	b.built = xb
	return xb, nil
}

// applyConfig takes the config file's backend and pjrt_plugin keys where they are set
// (applyConfig calls it only for what the command line did not give).
func (b *backendFlags) applyConfig(backend, plugin string) {
	if backend != "" {
		b.name = backend
	}
	if plugin != "" {
		b.plugin = plugin
	}
}

// ort reports whether the flags select ONNX Runtime.
func (b *backendFlags) ort() bool { return b == nil || b.name == "" || b.name == "ort" }

// close releases the GoMLX backend, if one was built.
func (b *backendFlags) close() {
	if b != nil && b.built != nil {
		b.built.Close()
		b.built = nil
	}
}

// pjrtStatus is `devices gpu`'s line about the PJRT plugin --backend xla would load.
func pjrtStatus() string {
	p, err := xla.FindPlugin("")
	if err != nil {
		return "pjrt: " + err.Error()
	}
	return "pjrt: " + p + " (--backend xla)"
}
