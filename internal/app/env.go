package app

import (
	"log/slog"

	"github.com/vivid-ml/vivid-ml-engine/control"
	"github.com/vivid-ml/vivid-ml-engine/engine"
	"github.com/vivid-ml/vivid-ml-engine/output/preview"
)

// runEnv is what `run` hands to each optional subsystem (control, diffusion, frame
// outputs) it starts. Subsystems register sinks/stages here before frames flow.
type runEnv struct {
	Logger *slog.Logger
	Params *engine.ParamStore

	FrameSinks []engine.FrameSink // filled by subsystems, read by the frame loop
	MetaSinks  []engine.MetaSink  // pose results, mask summaries
	// Operators are the frame loop's stages in the order they were built (pose,
	// diffusion, segment, upscale); streams and stats follow from their Specs.
	Operators []engine.Operator

	Stats func() engine.Stats // engine counters (frames, drops, fps, latency per stage), for /metrics

	// ControlState, set once control runs, is the mapping files in force and the learn state.
	ControlState func() control.State

	// ModelProviders, when set, lists the execution provider of each loaded model.
	ModelProviders func() []preview.ModelStatus

	// OnProvider, when set, is told which execution provider each loaded model runs on.
	OnProvider func(model, provider string)
}

// reportProvider passes a model's execution provider to OnProvider, if any.
func (e *runEnv) reportProvider(model, provider string) {
	if e.OnProvider != nil {
		e.OnProvider(model, provider)
	}
}

// specs are the declarations of the operators built so far.
func (e *runEnv) specs() []engine.OperatorSpec {
	out := make([]engine.OperatorSpec, len(e.Operators))
	for i, op := range e.Operators {
		out[i] = op.Spec()
	}
	return out
}

// has reports whether an operator called name was built.
func (e *runEnv) has(name string) bool {
	for _, op := range e.Operators {
		if op.Spec().Name == name {
			return true
		}
	}
	return false
}

// defaultStream is the stream outputs take when none is named: the end of the picture
// chain (upscale when it reads that chain's picture, else diffusion when it runs, else input).
func (e *runEnv) defaultStream() string {
	def := engine.StreamInput
	if e.has("diffusion") {
		def = engine.StreamDiffusion
	}
	for _, s := range e.specs() {
		if s.Name == "upscale" && s.Input == def {
			def = s.Emits[0]
		}
	}
	return def
}
