package xla

import (
	"fmt"
	"log/slog"
	"sync"

	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/backends/simplego"
	"github.com/gomlx/gomlx/pkg/core/dtypes"

	"github.com/vivid-ml/vivid-ml-engine/engine/infer"
)

// Config builds a Backend.
type Config struct {
	// Kind is "xla" (a PJRT plugin) or "go" (GoMLX's pure-Go CPU backend).
	Kind string
	// Plugin is the PJRT plugin's path for Kind "xla"; empty searches (see FindPlugin).
	Plugin string
	// MemoryFraction caps the device memory the PJRT client may use (0 < f ≤ 1); 0 leaves
	// the plugin's default. Nothing is preallocated unless Preallocate is set.
	MemoryFraction float64
	Preallocate    bool
	// Allocator is the PJRT GPU client's allocator: "" (cuda_async, else the plugin's
	// default when the plugin refuses it), "default" (the plugin's own: a BFC arena),
	// "bfc", "platform" (cudaMalloc/cudaFree per buffer) or "cuda_async" (CUDA's
	// stream-ordered allocator: on the H200 it held 7.2 GiB for SDXL where the BFC arena
	// held 16.7; docs/xla.md).
	Allocator string
	// HalfWeights names models (infer.Spec.Name: "text_encoder", "text_encoder_2", …) whose
	// float32 weights are stored on the device as float16 and widened where the graph reads
	// them: half the memory, compute still in float32, weights rounded to fp16. XLA only
	// (the go backend has no float16).
	HalfWeights []string
	// AutotuneCache is a folder for XLA's per-fusion autotuning results, reused by later
	// processes (compile time halved on the H200); empty: none.
	AutotuneCache string
	// ConvLayout is the layout Conv is lowered in: ConvNCHW (ONNX's, the default) or
	// ConvNHWC (an experiment, see ConvNHWC); empty reads $VIVID_XLA_CONV once, here.
	ConvLayout string
	Logger     *slog.Logger
}

// Backend is GoMLX as an infer.Backend; build it once and pass it to the stages.
type Backend struct {
	cfg      Config
	be       backends.Backend
	fold     backends.Backend
	half     bool // the device computes FLOAT16 natively
	nhwc     bool // Conv is lowered channels-last (Config.ConvLayout)
	provider string
	log      *slog.Logger

	mu    sync.Mutex
	progs map[string]*program // compiled programs by model file and bucket, shared by every Open of the file
}

var _ infer.Backend = (*Backend)(nil)

// New starts the backend: for "xla" it loads the plugin and creates the PJRT client.
func New(cfg Config) (*Backend, error) {
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	layout, err := resolveConvLayout(cfg.ConvLayout)
	if err != nil {
		return nil, err
	}
	cfg.ConvLayout = layout
	// Sequential node execution: simplego v0.26.0's parallel executor reuses buffers
	// across concurrently running nodes (data races under -race, seen here).
	fold, err := simplego.New("ops_sequential")
	if err != nil {
		return nil, fmt.Errorf("xla: %w", err)
	}
	b := &Backend{cfg: cfg, fold: fold, nhwc: layout == ConvNHWC, log: log.With("backend", cfg.Kind), progs: map[string]*program{}}
	if b.nhwc {
		b.log.Info("conv layout", "layout", layout)
	}
	switch cfg.Kind {
	case "go":
		b.be, b.provider = fold, "go"
	case "xla":
		if cfg.MemoryFraction < 0 || cfg.MemoryFraction > 1 {
			return nil, fmt.Errorf("xla: memory fraction %g is outside (0, 1]", cfg.MemoryFraction)
		}
		switch cfg.Allocator {
		case "", "default", "bfc", "platform", "cuda_async":
		default:
			return nil, fmt.Errorf("xla: allocator %q: want default, bfc, platform or cuda_async", cfg.Allocator)
		}
		path, err := FindPlugin(cfg.Plugin)
		if err != nil {
			return nil, err
		}
		be, err := newPJRT(path, cfg, b.log)
		if err != nil {
			return nil, err
		}
		b.be, b.half, b.provider = be, true, "xla:"+pluginPlatform(path)
		b.log.Info("PJRT plugin loaded", "plugin", path, "devices", be.NumDevices(), "description", be.Description())
	default:
		return nil, fmt.Errorf("xla: unknown backend kind %q (want xla or go)", cfg.Kind)
	}
	return b, nil
}

// Name implements infer.Backend.
func (b *Backend) Name() string { return b.cfg.Kind }

// halfDType is the graph dtype of ONNX FLOAT16: Float16 where the device computes it,
// Float32 on the pure-Go backend.
func (b *Backend) halfDType() dtypes.DType {
	if b.half {
		return dtypes.Float16
	}
	return dtypes.Float32
}

// ConvLayout is the layout Conv is lowered in (ConvNCHW or ConvNHWC).
func (b *Backend) ConvLayout() string { return b.cfg.ConvLayout }

// Provider names where models run ("go", "xla:cuda", …).
func (b *Backend) Provider() string { return b.provider }

// Open implements infer.Backend: parse the model, check every op is lowerable, upload
// the weights. Compilation happens per input-shape bucket, on first use (or now for
// the shapes in spec.Shapes).
func (b *Backend) Open(spec infer.Spec) (infer.Model, error) {
	om, err := readModel(spec.Path)
	if err != nil {
		return nil, err
	}
	if err := checkOps(om); err != nil {
		return nil, err
	}
	m, err := newModel(b, om, spec)
	if err != nil {
		return nil, err
	}
	if shapes, ok := m.specShapes(spec); ok {
		if _, err := m.program(shapes); err != nil {
			m.Close()
			return nil, err
		}
	}
	return m, nil
}

// Close releases the device client.
func (b *Backend) Close() error {
	b.mu.Lock()
	for k, p := range b.progs {
		p.g.Finalize()
		delete(b.progs, k)
	}
	b.mu.Unlock()
	if b.be != nil && b.be != b.fold {
		b.be.Finalize()
	}
	b.fold.Finalize()
	return nil
}

// checkOps fails at load for the first op the lowering lacks, naming op, node and model.
func checkOps(om *onnxModel) error {
	for _, nd := range om.graph.GetNode() {
		d := nd.GetDomain()
		if _, ok := opTable[nd.GetOpType()]; !ok || d != "" && d != "ai.onnx" {
			op := nd.GetOpType()
			if d != "" {
				op = d + "." + op
			}
			return fmt.Errorf("xla: %s: node %q: %w %s", om.path, nd.GetName(), ErrUnsupportedOp, op)
		}
	}
	return nil
}
