package app

import (
	"context"
	"log/slog"
	"slices"
	"testing"

	"github.com/vivid-ml/vivid-ml-engine/engine"
)

// nopOp is an operator with a declaration and nothing to do.
type nopOp struct{ spec engine.OperatorSpec }

func (o nopOp) Spec() engine.OperatorSpec { return o.spec }
func (nopOp) Process(context.Context, *engine.Frame, *engine.Params, engine.Emitter) error {
	return nil
}

// TestStatusFollowsOperators: the status page's stages come from the engine's per-operator
// stats, the parameters name the operators that read them, and the default output stream
// is the end of the picture chain.
func TestStatusFollowsOperators(t *testing.T) {
	env := &runEnv{Logger: slog.New(slog.DiscardHandler), Params: engine.NewParamStore(engine.DefaultParams())}
	env.Operators = []engine.Operator{
		nopOp{engine.OperatorSpec{Name: "diffusion", Input: engine.StreamInput, Emits: []string{engine.StreamDiffusion}, Params: engine.DiffusionParams}},
		nopOp{engine.OperatorSpec{Name: "depth", Input: engine.StreamInput, Emits: []string{"depth"}, Params: []string{"strength"}}},
	}
	if got := env.defaultStream(); got != engine.StreamDiffusion {
		t.Errorf("default stream %q, want diffusion", got)
	}
	env.Operators = append(env.Operators, nopOp{engine.OperatorSpec{Name: "upscale", Input: engine.StreamDiffusion, Emits: []string{"upscale"}}})
	if got := env.defaultStream(); got != "upscale" {
		t.Errorf("default stream %q, want upscale (it reads diffusion)", got)
	}
	env.Stats = func() engine.Stats {
		return engine.Stats{Operators: []engine.OperatorStats{{Name: "depth", StageStats: engine.StageStats{Frames: 3, FPS: 9}}, {Name: "upscale"}}}
	}
	st := defaultStatus(env)
	var stages []string
	for _, s := range st.Stages {
		stages = append(stages, s.Name)
	}
	if !slices.Equal(stages, []string{"capture", "depth"}) {
		t.Errorf("stages %v, want capture and the operator that produced", stages)
	}
	for _, p := range st.Parameters {
		switch p.Address {
		case "/vivid/strength":
			if !slices.Equal(p.Operators, []string{"diffusion", "depth"}) {
				t.Errorf("strength read by %v", p.Operators)
			}
		case "/vivid/paused":
			if len(p.Operators) != 0 {
				t.Errorf("paused read by %v, want none (engine-wide)", p.Operators)
			}
		}
	}
}
