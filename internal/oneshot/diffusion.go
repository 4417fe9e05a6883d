package oneshot

import (
	"context"
	"errors"
	"fmt"
	"image"
	_ "image/jpeg" // the input may be a JPEG
	"image/png"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"github.com/vivid-ml/vivid-ml-engine/engine"
	"github.com/vivid-ml/vivid-ml-engine/engine/diffusion"
	"github.com/vivid-ml/vivid-ml-engine/engine/diffusion/sched"
	"github.com/vivid-ml/vivid-ml-engine/internal/app"
	"github.com/vivid-ml/vivid-ml-engine/internal/conf"
)

// DiffusionConfig configures Diffusion (the `diffusion run` flags of the same names).
type DiffusionConfig struct {
	Pipeline  conf.Diffusion // the model folder, size and the pipeline's loading flags
	Input     string         // input image, PNG or JPEG
	Out       string         // output PNG
	Prompt    string
	Negative  string // used when Guidance > 1
	Steps     int
	Strength  float64
	Seed      uint64
	SeedB     uint64
	SeedBlend float64
	Guidance  float64
	Runtime   *app.Runtime
	Logger    *slog.Logger
}

// DiffusionResult is what one img2img run did (`diffusion run` prints it as JSON).
type DiffusionResult struct {
	Out        string
	Size       int
	Scheduler  string
	RNG        string
	Family     diffusion.Family
	Providers  []string
	UNetSteps  int
	TotalMS    float64 // to the microsecond
	OverheadMS float64
}

// Diffusion runs one img2img (SDXL or SD 1.x/2.x): Input → Out. The size and the number
// of steps are checked before any model is loaded (that takes seconds to minutes).
func Diffusion(ctx context.Context, c DiffusionConfig) (DiffusionResult, error) {
	size := c.Pipeline.Size
	if size < 8 || size%8 != 0 {
		return DiffusionResult{}, fmt.Errorf("--size %d: want a positive multiple of 8", size)
	}
	if _, err := sched.Img2ImgStart(c.Steps, c.Strength); errors.Is(err, sched.ErrNoSteps) {
		return DiffusionResult{}, fmt.Errorf("%w (%d steps × strength %v)", diffusion.ErrNoSteps, c.Steps, c.Strength)
	} else if err != nil {
		return DiffusionResult{}, fmt.Errorf("diffusion: %w", err)
	}
	img, err := engine.LoadImage(c.Input)
	if err != nil {
		return DiffusionResult{}, err
	}
	p, err := app.OpenPipeline(ctx, c.Runtime, c.Pipeline, c.Logger)
	if err != nil {
		return DiffusionResult{}, err
	}
	defer func() { _ = p.Close() }() // the picture is written; a failed release changes nothing
	cond, err := p.EncodePrompt(c.Prompt)
	if err != nil {
		return DiffusionResult{}, err
	}
	var uncond *diffusion.Embedding
	if c.Guidance > 1 && c.Negative != "" {
		if uncond, err = p.EncodePrompt(c.Negative); err != nil {
			return DiffusionResult{}, err
		}
	}
	res, err := p.Generate(diffusion.Request{
		Cond: cond, Uncond: uncond, Steps: c.Steps, Strength: c.Strength,
		Seed: c.Seed, SeedB: c.SeedB, SeedBlend: c.SeedBlend, Guidance: c.Guidance, Size: size,
	}, img)
	if err != nil {
		return DiffusionResult{}, err
	}
	if err := WritePNG(c.Out, res); err != nil {
		return DiffusionResult{}, err
	}
	t := p.Timings()
	return DiffusionResult{
		Out: c.Out, Size: size, Scheduler: p.SchedulerName(), RNG: p.RNG(), Family: p.Dims().Family, Providers: p.Providers(),
		UNetSteps: len(t.UNet), TotalMS: ms(t.Total), OverheadMS: ms(t.Overhead()),
	}, nil
}

// ScheduleConfig configures Schedule (the `diffusion schedule` flags of the same names).
type ScheduleConfig struct {
	Scheduler  string // euler | euler-ancestral | ddim | tcd | lcm
	Spacing    string // trailing | leading | linspace; empty: the config's
	Steps      int
	Strength   float64
	ConfigPath string // diffusers scheduler_config.json; empty: SDXL's
}

// Schedule is the timesteps and sigmas one img2img run uses, as diffusers would, and the
// scheduler's name.
func Schedule(c ScheduleConfig) (string, sched.Plan, error) {
	cfg := sched.SDXLConfig()
	if c.ConfigPath != "" {
		var err error
		if cfg, err = sched.LoadConfig(c.ConfigPath); err != nil {
			return "", sched.Plan{}, err
		}
	}
	if c.Spacing != "" {
		cfg.TimestepSpacing = c.Spacing
	}
	s, err := sched.New(c.Scheduler, cfg)
	if err != nil {
		return "", sched.Plan{}, err
	}
	plan, err := sched.Img2ImgPlan(s, c.Steps, c.Strength)
	if errors.Is(err, sched.ErrNoSteps) {
		return "", sched.Plan{}, fmt.Errorf("%w: raise --steps or --strength so that steps × strength ≥ 1", err)
	}
	if err != nil {
		return "", sched.Plan{}, err
	}
	return s.Name(), plan, nil
}

// WritePNG writes img atomically (temp file + rename), readable by everyone (0644).
func WritePNG(path string, img image.Image) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), ".vivid-*.png")
	if err != nil {
		return err
	}
	err = png.Encode(tmp, img)
	if err == nil { // CreateTemp makes 0600; an output picture is for everyone to read
		err = tmp.Chmod(0o644)
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), path)
	}
	if err != nil {
		os.Remove(tmp.Name())
		return errors.Join(fmt.Errorf("write %s", path), err)
	}
	return nil
}

// ms is d in milliseconds, to the microsecond.
func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
