package main

import (
	"context"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"image/color"
	"io"
	"strings"

	"github.com/vivid-ml/vivid-ml-engine/engine"
	"github.com/vivid-ml/vivid-ml-engine/engine/segment"
	"github.com/vivid-ml/vivid-ml-engine/engine/upscale"
	"github.com/vivid-ml/vivid-ml-engine/output"
)

// operatorOptions holds the `run` flags of the segmentation and upscaling stages.
type operatorOptions struct {
	segment      bool
	segmentModel string
	segmentColor string
	upscale      int
	upscaleModel string
	providers    string
	threads      int
}

// registerOperatorFlags adds the segmentation and upscaling flags to run's flag set.
func registerOperatorFlags(fs *flag.FlagSet) *operatorOptions {
	o := &operatorOptions{}
	fs.BoolVar(&o.segment, "segment", false, "person segmentation on the input: streams mask and matte, OSC /segment/{found,coverage,box} to the --osc-out targets")
	fs.StringVar(&o.segmentModel, "segment-model", "selfie", "segmentation model: selfie or meet")
	fs.StringVar(&o.segmentColor, "segment-color", "000000", "matte background colour `RRGGBB` (segment_mode 0)")
	fs.IntVar(&o.upscale, "upscale", 0, "upscale the diffusion stream by 2, 3, 4 or 8 (0: off; needs --diffusion-model)")
	fs.StringVar(&o.upscaleModel, "upscale-model", "esrgan-slim", "esrgan-slim, esrgan-medium or esrgan-thick")
	fs.StringVar(&o.providers, "operator-providers", "cpu", "execution providers of the segmentation and upscaling models")
	fs.IntVar(&o.threads, "operator-threads", 0, "ONNX Runtime intra-op threads for them (0: one per core)")
	return o
}

// startOperators starts what the operator flags ask for. Call it after the diffusion stage
// (upscaling wraps it) and after the outputs (the segmentation stage feeds their sinks).
func startOperators(ctx context.Context, o *operatorOptions, cf *commonFlags, env *runEnv, oscTargets []string) (io.Closer, error) {
	if !o.segment && o.upscale == 0 {
		return nil, nil
	}
	st, b, err := operatorBackend(ctx, cf, o.providers, o.threads, env.Logger)
	if err != nil {
		return nil, err
	}
	var started outputs
	if o.upscale != 0 {
		if env.ImageStage == nil {
			return nil, errors.New("--upscale needs the diffusion stage (--diffusion-model)")
		}
		name, rng, err := upscaleModel(o.upscaleModel, o.upscale)
		if err != nil {
			return nil, fmt.Errorf("--upscale: %w", err)
		}
		path, err := st.Path(ctx, name)
		if err != nil {
			return nil, err
		}
		u, err := upscale.Open(b, path, o.upscale, rng)
		if err != nil {
			return nil, fmt.Errorf("open %s: %w", name, err)
		}
		stage := &upscale.Stage{Inner: env.ImageStage, Up: u}
		env.ImageStage = stage
		started = append(started, stage)
		env.reportProvider("upscale", u.Provider())
		env.Logger.Info("upscaling the diffusion stream", "model", name, "scale", o.upscale, "provider", u.Provider())
	}
	if o.segment {
		if o.segmentModel != "selfie" && o.segmentModel != "meet" {
			started.Close()
			return nil, fmt.Errorf("--segment-model %q: want selfie or meet", o.segmentModel)
		}
		bg, err := parseColor(o.segmentColor)
		if err != nil {
			started.Close()
			return nil, fmt.Errorf("--segment-color: %w", err)
		}
		path, err := st.Path(ctx, o.segmentModel)
		if err != nil {
			started.Close()
			return nil, err
		}
		m, err := segment.Open(b, path)
		if err != nil {
			started.Close()
			return nil, fmt.Errorf("open %s: %w", o.segmentModel, err)
		}
		cfg := segment.LiveConfig{Model: m, Params: env.Params, Sinks: append([]engine.FrameSink(nil), env.FrameSinks...),
			Background: bg, Logger: env.Logger}
		if len(oscTargets) > 0 {
			osc, err := output.NewOSCSegment(oscTargets, "/segment")
			if err != nil {
				m.Close()
				started.Close()
				return nil, err
			}
			started = append(started, osc)
			cfg.OnSummary = func(_ *engine.Frame, s segment.Summary) { _ = osc.Send(s.Found, s.Coverage, s.Box) }
		}
		live := segment.NewLive(ctx, cfg)
		started = append(started, live)
		env.FrameSinks = append(env.FrameSinks, live)
		env.reportProvider("segment", m.Provider())
		env.Logger.Info("segmentation stage ready", "model", o.segmentModel, "provider", m.Provider())
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
