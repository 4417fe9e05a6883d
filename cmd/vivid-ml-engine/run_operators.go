package main

import (
	"context"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"image/color"
	"io"
	"slices"
	"strings"

	"github.com/vivid-ml/vivid-ml-engine/engine"
	"github.com/vivid-ml/vivid-ml-engine/engine/segment"
	"github.com/vivid-ml/vivid-ml-engine/engine/upscale"
	"github.com/vivid-ml/vivid-ml-engine/output"
)

// operatorOptions holds the `run` flags of the segmentation and upscaling operators.
type operatorOptions struct {
	segment      bool
	segmentModel string
	segmentColor string
	upscale      int
	upscaleModel string
	upscaleIn    string
	providers    string
	threads      int
}

// registerOperatorFlags adds the segmentation and upscaling flags to run's flag set.
func registerOperatorFlags(fs *flag.FlagSet) *operatorOptions {
	o := &operatorOptions{}
	fs.BoolVar(&o.segment, "segment", false, "person segmentation on the input: streams mask and matte, OSC /segment/{found,coverage,box} to the --osc-out targets")
	fs.StringVar(&o.segmentModel, "segment-model", "selfie", "segmentation model: selfie or meet")
	fs.StringVar(&o.segmentColor, "segment-color", "000000", "matte background colour `RRGGBB` (segment_mode 0)")
	fs.IntVar(&o.upscale, "upscale", 0, "upscale the --upscale-stream by 2, 3, 4 or 8 onto the upscale stream (0: off)")
	fs.StringVar(&o.upscaleModel, "upscale-model", "esrgan-slim", "esrgan-slim, esrgan-medium or esrgan-thick")
	fs.StringVar(&o.upscaleIn, "upscale-stream", engine.StreamDiffusion, "stream the upscaler reads: any stream an operator emits (input, pose, diffusion, mask, matte)")
	fs.StringVar(&o.providers, "operator-providers", "cpu", "execution providers of the segmentation and upscaling models")
	fs.IntVar(&o.threads, "operator-threads", 0, "ONNX Runtime intra-op threads for them (0: one per core)")
	return o
}

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
func startOperators(ctx context.Context, o *operatorOptions, cf *commonFlags, env *runEnv, oscTargets []string) (io.Closer, error) {
	if !o.segment && o.upscale == 0 {
		return nil, nil
	}
	st, b, err := operatorBackend(ctx, cf, o.providers, o.threads, env.Logger)
	if err != nil {
		return nil, err
	}
	var started outputs
	fail := func(err error) (io.Closer, error) {
		return nil, errors.Join(err, started.Close())
	}
	if o.segment {
		if o.segmentModel != "selfie" && o.segmentModel != "meet" {
			return fail(fmt.Errorf("--segment-model %q: want selfie or meet", o.segmentModel))
		}
		bg, err := parseColor(o.segmentColor)
		if err != nil {
			return fail(fmt.Errorf("--segment-color: %w", err))
		}
		path, err := st.Path(ctx, o.segmentModel)
		if err != nil {
			return fail(err)
		}
		m, err := segment.Open(b, path)
		if err != nil {
			return fail(fmt.Errorf("open %s: %w", o.segmentModel, err))
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
		env.Logger.Info("segmentation stage ready", "model", o.segmentModel, "provider", m.Provider())
	}
	if o.upscale != 0 {
		in := o.upscaleIn
		if in == "" {
			in = engine.StreamDiffusion
		}
		if in == engine.StreamDiffusion && !env.has("diffusion") {
			return fail(errors.New("--upscale needs the diffusion stage (--diffusion-model), or --upscale-stream naming another stream"))
		}
		if !slices.Contains(engine.Streams(env.specs()), in) {
			return fail(fmt.Errorf("--upscale-stream %q: no operator emits it (streams: %s)", in, strings.Join(engine.Streams(env.specs()), ", ")))
		}
		name, rng, err := upscaleModel(o.upscaleModel, o.upscale)
		if err != nil {
			return fail(fmt.Errorf("--upscale: %w", err))
		}
		path, err := st.Path(ctx, name)
		if err != nil {
			return fail(err)
		}
		u, err := upscale.Open(b, path, o.upscale, rng)
		if err != nil {
			return fail(fmt.Errorf("open %s: %w", name, err))
		}
		op := &upscale.Operator{Up: u, Input: in}
		started = append(started, op)
		env.Operators = append(env.Operators, op)
		env.reportProvider("upscale", u.Provider())
		env.Logger.Info("upscaling the "+in+" stream", "model", name, "scale", o.upscale, "provider", u.Provider(),
			"stream", upscale.StreamUpscale)
	}
	return started, nil
}

// parseColor reads RRGGBB (an optional leading #).
func parseColor(s string) (color.RGBA, error) {
	b, err := hex.DecodeString(strings.TrimPrefix(s, "#"))
	if err != nil || len(b) != 3 {
		return color.RGBA{}, fmt.Errorf("%q: want RRGGBB", s)
	}
	return color.RGBA{R: b[0], G: b[1], B: b[2], A: 255}, nil
}
