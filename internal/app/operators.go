package app

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/vivid-ml/vivid-ml-engine/engine"
	"github.com/vivid-ml/vivid-ml-engine/engine/segment"
	"github.com/vivid-ml/vivid-ml-engine/engine/upscale"
	"github.com/vivid-ml/vivid-ml-engine/internal/conf"
	"github.com/vivid-ml/vivid-ml-engine/output"
)

// segmentOSC sends the segmentation operator's summaries to the OSC targets.
type segmentOSC struct{ osc *output.OSCSegment }

func (s segmentOSC) WriteMeta(op string, v any) {
	if sum, ok := v.(segment.Summary); ok && op == "segment" {
		_ = s.osc.Send(sum.Found, sum.Coverage, sum.Box)
	}
}

// startOperators builds the operators the operator flags ask for and adds them to env.
// Call it after the diffusion stage (the upscaler reads its stream by default) and before
// the outputs (their streams follow from the operators).
func startOperators(ctx context.Context, o conf.Operators, rt *Runtime, env *runEnv, oscTargets []string) (io.Closer, error) {
	if !o.Segment.Enabled && o.Upscale.Scale == 0 {
		return nil, nil
	}
	st, b, err := OperatorBackend(ctx, rt, o.Providers, o.Threads)
	if err != nil {
		return nil, err
	}
	var started outputs
	fail := func(err error) (io.Closer, error) {
		return nil, errors.Join(err, started.Close())
	}
	if sc := o.Segment; sc.Enabled {
		if sc.Model != "selfie" && sc.Model != "meet" {
			return fail(fmt.Errorf("--segment-model %q: want selfie or meet", sc.Model))
		}
		bg, err := conf.ParseColor(sc.Color)
		if err != nil {
			return fail(fmt.Errorf("--segment-color: %w", err))
		}
		path, err := st.Path(ctx, sc.Model)
		if err != nil {
			return fail(err)
		}
		m, err := segment.Open(b, path)
		if err != nil {
			return fail(fmt.Errorf("open %s: %w", sc.Model, err))
		}
		op := segment.NewOperator(segment.OperatorConfig{Model: m, Background: bg})
		started = append(started, op)
		if len(oscTargets) > 0 {
			osc, err := output.NewOSCSegment(oscTargets, "/segment")
			if err != nil {
				return fail(err)
			}
			started = append(started, osc)
			env.MetaSinks = append(env.MetaSinks, segmentOSC{osc})
		}
		env.Operators = append(env.Operators, op)
		env.reportProvider("segment", m.Provider())
		env.Logger.Info("segmentation stage ready", "model", sc.Model, "provider", m.Provider())
	}
	if uc := o.Upscale; uc.Scale != 0 {
		in := uc.Stream
		if in == "" {
			in = engine.StreamDiffusion
		}
		if in == engine.StreamDiffusion && !env.has("diffusion") {
			return fail(errors.New("--upscale needs the diffusion stage (--diffusion-model), or --upscale-stream naming another stream"))
		}
		if !slices.Contains(engine.Streams(env.specs()), in) {
			return fail(fmt.Errorf("--upscale-stream %q: no operator emits it (streams: %s)", in, strings.Join(engine.Streams(env.specs()), ", ")))
		}
		name, rng, err := upscale.ModelName(uc.Model, uc.Scale)
		if err != nil {
			return fail(fmt.Errorf("--upscale: %w", err))
		}
		path, err := st.Path(ctx, name)
		if err != nil {
			return fail(err)
		}
		u, err := upscale.Open(b, path, uc.Scale, rng)
		if err != nil {
			return fail(fmt.Errorf("open %s: %w", name, err))
		}
		op := &upscale.Operator{Up: u, Input: in}
		started = append(started, op)
		env.Operators = append(env.Operators, op)
		env.reportProvider("upscale", u.Provider())
		env.Logger.Info("upscaling the "+in+" stream", "model", name, "scale", uc.Scale, "provider", u.Provider(),
			"stream", upscale.StreamUpscale)
	}
	return started, nil
}
