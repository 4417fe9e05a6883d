// Package sched implements the diffusers schedulers the few-step SDXL models use — Euler
// (trailing, leading, linspace), Euler-ancestral, DDIM, TCD and LCM — with timesteps, sigmas
// and step arithmetic following huggingface/diffusers src/diffusers/schedulers/scheduling_*.py.
//
// A Scheduler is indexed by step: i is the position in Timesteps() (0 = noisiest). img2img
// starts at index Img2ImgStart(n, strength), as diffusers' set_begin_index(t_start) does.
package sched

import (
	"fmt"
	"slices"
)

// Noise fills dst with independent standard-normal samples (the scheduler's randn_tensor).
type Noise interface {
	Fill(dst []float32)
}

// Scheduler is one diffusers scheduler with its timesteps set. Tensors are flat float32
// slices in the model's layout; steps update the sample in place.
type Scheduler interface {
	// Name is the engine's name for the scheduler ("euler", "ddim", …).
	Name() string
	// SetTimesteps computes the schedule for n inference steps.
	SetTimesteps(n int) error
	// Timesteps is the full schedule, highest first (the UNet's timestep input per step).
	Timesteps() []float64
	// Sigmas has one σ per timestep plus a final 0. For DDIM, TCD and LCM it is the
	// equivalent σ = √((1−ᾱ_t)/ᾱ_t); they step in ᾱ, not σ.
	Sigmas() []float64
	// InitNoiseSigma is the std of pure-noise latents for text-to-image (1 for DDPM-style).
	InitNoiseSigma() float64
	// ScaleModelInput scales x in place for the UNet at step i (Euler: x/√(σ²+1); others: none).
	ScaleModelInput(x []float32, i int) error
	// Step advances sample in place from step i to i+1 given the model output at step i.
	// noise is drawn from only when the step is stochastic; it may be nil otherwise.
	Step(modelOut, sample []float32, i int, noise Noise) error
	// AddNoise overwrites x0 with x0 noised to step i's level (img2img's start latents).
	AddNoise(x0, noise []float32, i int) error
}

// Names lists the schedulers New accepts.
var Names = []string{"euler", "euler-ancestral", "ddim", "tcd", "lcm"}

// New builds the named scheduler from a diffusers config. Call SetTimesteps before use.
func New(name string, cfg Config) (Scheduler, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	tr := newTrain(cfg)
	switch name {
	case "euler":
		return &euler{cfg: cfg, tr: tr}, nil
	case "euler-ancestral", "euler_a", "euler-a":
		if cfg.PredictionType == "sample" {
			// As diffusers: EulerAncestralDiscreteScheduler raises NotImplementedError for it.
			return nil, fmt.Errorf("%w: euler-ancestral does not support prediction_type \"sample\"", ErrConfig)
		}
		return &euler{cfg: cfg, tr: tr, ancestral: true}, nil
	case "ddim":
		return &ddim{cfg: cfg, tr: tr, eta: etaOr(cfg.Eta, 0)}, nil
	case "tcd":
		return &consistency{cfg: cfg, tr: tr, tcd: true, eta: etaOr(cfg.Eta, 0.3)}, nil
	case "lcm":
		return &consistency{cfg: cfg, tr: tr}, nil
	}
	return nil, fmt.Errorf("%w: %q (known: %v)", ErrUnknownScheduler, name, Names)
}

func etaOr(p *float64, def float64) float64 {
	if p == nil {
		return def
	}
	return *p
}

// base holds the schedule shared by all schedulers and its index checks.
type base struct {
	timesteps []float64
	sigmas    []float64
}

func (b *base) Timesteps() []float64 { return slices.Clone(b.timesteps) }
func (b *base) Sigmas() []float64    { return slices.Clone(b.sigmas) }

// check validates the step index and tensor lengths of a call.
func (b *base) check(i int, a, c []float32) error {
	if b.timesteps == nil {
		return ErrNotSet
	}
	if i < 0 || i >= len(b.timesteps) {
		return fmt.Errorf("%w: %d (schedule has %d steps)", ErrIndex, i, len(b.timesteps))
	}
	if c != nil && len(a) != len(c) {
		return fmt.Errorf("%w: %d and %d", ErrShape, len(a), len(c))
	}
	return nil
}

// draw fills a scratch buffer from noise, or errors when there is none.
func draw(noise Noise, n int) ([]float32, error) {
	if noise == nil {
		return nil, ErrNeedNoise
	}
	buf := make([]float32, n)
	noise.Fill(buf)
	return buf, nil
}
