package onnx

import (
	"fmt"
	"log/slog"

	"github.com/vivid-ml/vivid-ml-engine/engine/infer"
)

// BackendConfig builds a Backend: the ONNX Runtime library to load (once per process:
// ORT cannot be swapped inside one) and how models are placed.
type BackendConfig struct {
	Library string // path of libonnxruntime / onnxruntime.dll
	Threads int    // intra-op threads per session; 0 lets ONNX Runtime choose
	// Providers returns the execution-provider chain of a model by its role (Spec.Name);
	// nil means CPU only for every model.
	Providers func(name string) []ProviderConfig
	Logger    *slog.Logger
	// NoOptimize turns ONNX Runtime's graph optimisations off (every node runs as written):
	// a second CPU execution path for the conformance suite.
	NoOptimize bool
}

// Backend is ONNX Runtime as an infer.Backend. Build it once with NewBackend and
// pass it to the stages; With derives views with other placement on the same runtime.
type Backend struct {
	cfg BackendConfig
	log *slog.Logger
}

var _ infer.Backend = (*Backend)(nil)

// NewBackend loads the library (a no-op when this process already loaded the same
// one) and returns the backend.
func NewBackend(cfg BackendConfig) (*Backend, error) {
	if err := Init(cfg.Library); err != nil {
		return nil, err
	}
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Backend{cfg: cfg, log: log}, nil
}

// With returns a backend on the same runtime with another provider chain and thread
// count (threads < 0 keeps the current count).
func (b *Backend) With(providers func(name string) []ProviderConfig, threads int) *Backend {
	c := b.cfg
	c.Providers = providers
	if threads >= 0 {
		c.Threads = threads
	}
	return &Backend{cfg: c, log: b.log}
}

// CPUOnly is the same backend on the CPU provider alone (engine/pose cross-checks a
// GPU provider's output against it).
func (b *Backend) CPUOnly() infer.Backend {
	return b.With(func(string) []ProviderConfig { return []ProviderConfig{{Name: ProviderCPU}} }, -1)
}

// Name implements infer.Backend.
func (b *Backend) Name() string {
	if b.cfg.NoOptimize {
		return "ort-noopt"
	}
	return "ort"
}

// Unoptimized returns the same backend with ONNX Runtime's graph optimisations off.
func (b *Backend) Unoptimized() *Backend {
	c := b.cfg
	c.NoOptimize = true
	return &Backend{cfg: c, log: b.log}
}

// Library is the loaded ONNX Runtime library's path.
func (b *Backend) Library() string { return b.cfg.Library }

// Open implements infer.Backend: a session on the first provider of the model's
// chain that accepts it; each skipped provider is logged with ONNX Runtime's reason.
func (b *Backend) Open(spec infer.Spec) (infer.Model, error) {
	var providers []ProviderConfig
	if b.cfg.Providers != nil {
		providers = b.cfg.Providers(spec.Name)
	}
	s, err := NewSession(spec.Path, SessionOptions{Threads: b.cfg.Threads, Providers: providers, Logger: b.log, NoOptimize: b.cfg.NoOptimize})
	if err != nil {
		return nil, err
	}
	return newModel(s, spec, b.log)
}

func toIO(ts []TensorInfo) ([]infer.IO, error) {
	out := make([]infer.IO, len(ts))
	for i, t := range ts {
		switch t.Elem {
		case ElemFloat32, ElemFloat16, ElemInt32, ElemInt64, ElemUint8:
		default:
			return nil, fmt.Errorf("onnx: %s: element type %s is not in the inference contract", t.Name, t.Elem)
		}
		out[i] = infer.IO{Name: t.Name, Elem: infer.DType(t.Elem), Shape: append([]int64(nil), t.Shape...)}
	}
	return out, nil
}
