package modelcmd

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"github.com/vivid-ml/vivid-ml-engine/engine/diffusion/sdconv"
	"github.com/vivid-ml/vivid-ml-engine/internal/app"
)

// ConvertConfig configures Convert (the `models convert` flags).
type ConvertConfig struct {
	Src     string // a diffusers folder, a .safetensors file or a manifest model name
	Out     string // the diffusers ONNX folder to write
	Options sdconv.Options
	Force   bool // convert even when Out is a current, verified conversion
	// ProgressDone is called once the conversion returns (Options.Progress may draw a bar).
	ProgressDone func()
	Runtime      *app.Runtime // opens the model cache when Src is a model name
	Logger       *slog.Logger
}

// ConvertResult is what Convert did.
type ConvertResult struct {
	Src      string   // the converted source (a model name's cached path)
	UpToDate bool     // Out was a current conversion of Src: nothing was done
	Models   int      // model files written
	Warnings []string // what the converter left out or changed
	Elapsed  time.Duration
}

// Convert converts safetensors (diffusers folder or single file) to a diffusers ONNX
// folder, reusing Out when its sidecar says it is a current conversion.
func Convert(ctx context.Context, c ConvertConfig) (ConvertResult, error) {
	src, out, o, log := c.Src, c.Out, c.Options, c.Logger
	if _, err := os.Stat(src); errors.Is(err, os.ErrNotExist) {
		// not a path: a manifest entry (e.g. sdxl-turbo), fetched and verified first
		st, err := c.Runtime.Store()
		if err != nil {
			return ConvertResult{}, err
		}
		if _, err := st.Entry(src); err != nil {
			return ConvertResult{}, fmt.Errorf("%s is not a file, a folder or a model name: %w", src, err)
		}
		if src, err = st.Path(ctx, src); err != nil {
			return ConvertResult{}, err
		}
	}
	if !c.Force {
		if err := sdconv.UpToDate(src, out, o); err == nil {
			return ConvertResult{Src: src, UpToDate: true}, nil
		} else if !errors.Is(err, os.ErrNotExist) {
			log.Info("converting", "reason", err.Error())
		}
	}
	if err := ctx.Err(); err != nil {
		return ConvertResult{}, err
	}
	os.Remove(filepath.Join(out, sdconv.SidecarName)) // a half-written folder must never look current
	start := time.Now()
	res, err := sdconv.Convert(src, out, o)
	if c.ProgressDone != nil {
		c.ProgressDone()
	}
	if err != nil {
		return ConvertResult{}, err
	}
	if err := sdconv.WriteSidecar(out, res, o); err != nil {
		return ConvertResult{}, err
	}
	return ConvertResult{Src: src, Models: len(res.Models), Warnings: res.Warnings, Elapsed: time.Since(start)}, nil
}
