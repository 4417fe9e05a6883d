package main

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
	PoseSinks  []engine.PoseSink
	ImageStage engine.ImageStage // diffusion; nil when off

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
