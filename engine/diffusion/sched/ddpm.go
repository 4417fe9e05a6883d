package sched

import (
	"fmt"
	"math"
)

// ddpmTimesteps stores integer timesteps and their equivalent σ (final 0) in b.
func (b *base) setDDPM(tr *train, ts []float64) {
	b.timesteps = ts
	b.sigmas = make([]float64, 0, len(ts)+1)
	for _, t := range ts {
		b.sigmas = append(b.sigmas, tr.ddpmSigma(int(t)))
	}
	b.sigmas = append(b.sigmas, 0)
}

// addNoiseDDPM sets x0 to √ᾱ_t·x0 + √(1−ᾱ_t)·noise (diffusers' DDPM-style add_noise).
func addNoiseDDPM(tr *train, b *base, x0, noise []float32, i int) error {
	if err := b.check(i, x0, noise); err != nil {
		return err
	}
	a := tr.alpha(int(b.timesteps[i]))
	sa, sb := float32(math.Sqrt(a)), float32(math.Sqrt(1-a))
	for j := range x0 {
		x0[j] = sa*x0[j] + sb*noise[j]
	}
	return nil
}

// predictor converts a model output at ᾱ_t into (x0, ε) per prediction type, clipping x0
// when clip_sample is set (diffusers clips x0 only). Coefficients are computed once per step.
type predictor struct {
	sa, sb float32 // √ᾱ_t, √(1−ᾱ_t)
	kind   string
	clip   bool
	r      float32
}

func newPredictor(c Config, alpha float64) predictor {
	return predictor{sa: float32(math.Sqrt(alpha)), sb: float32(math.Sqrt(1 - alpha)),
		kind: c.PredictionType, clip: c.ClipSample, r: float32(c.ClipSampleRange)}
}

func (p *predictor) x0eps(out, x float32) (x0, eps float32) {
	switch p.kind {
	case "v_prediction":
		x0, eps = p.sa*x-p.sb*out, p.sa*out+p.sb*x
	case "sample":
		x0, eps = out, (x-p.sa*out)/p.sb
	default: // epsilon
		x0, eps = (x-p.sb*out)/p.sa, out
	}
	if p.clip {
		x0 = max(-p.r, min(p.r, x0))
	}
	return x0, eps
}

// ddim is diffusers' DDIMScheduler: scheduling_ddim.py. Its previous timestep is
// t − T/n (integer division), as diffusers computes it, even where the spaced schedule differs.
type ddim struct {
	base
	cfg Config
	tr  *train
	eta float64
	n   int
}

func (d *ddim) Name() string            { return "ddim" }
func (d *ddim) InitNoiseSigma() float64 { return 1 }

func (d *ddim) SetTimesteps(n int) error {
	ts, err := spacedTimesteps(d.cfg, n, true)
	if err != nil {
		return err
	}
	d.n = n
	d.setDDPM(d.tr, ts)
	return nil
}

func (d *ddim) ScaleModelInput(x []float32, i int) error { return d.check(i, x, nil) }

// Step: x' = √ᾱ_prev·x0 + √(1−ᾱ_prev−σ_t²)·ε + σ_t·noise, σ_t = η·√variance.
func (d *ddim) Step(modelOut, sample []float32, i int, noise Noise) error {
	if err := d.check(i, modelOut, sample); err != nil {
		return err
	}
	t := int(d.timesteps[i])
	prev := t - d.cfg.NumTrainTimesteps/d.n
	at, ap := d.tr.alpha(t), d.tr.alpha(prev)
	std := d.eta * math.Sqrt(DDIMVariance(at, ap))
	var z []float32
	if d.eta > 0 {
		var err error
		if z, err = draw(noise, len(sample)); err != nil {
			return err
		}
	}
	dir, sap := float32(math.Sqrt(1-ap-std*std)), float32(math.Sqrt(ap))
	p := newPredictor(d.cfg, at)
	for j, x := range sample {
		x0, eps := p.x0eps(modelOut[j], x)
		sample[j] = sap*x0 + dir*eps
		if z != nil {
			sample[j] += float32(std) * z[j]
		}
	}
	return nil
}

func (d *ddim) AddNoise(x0, noise []float32, i int) error {
	return addNoiseDDPM(d.tr, &d.base, x0, noise, i)
}

// DDIMVariance is (1−ᾱ_prev)/(1−ᾱ_t)·(1−ᾱ_t/ᾱ_prev), DDIM's σ_t² at η = 1.
func DDIMVariance(alphaT, alphaPrev float64) float64 {
	return (1 - alphaPrev) / (1 - alphaT) * (1 - alphaT/alphaPrev)
}

// Alphas returns ᾱ_t of a scheduler built by New, for tests and diagnostics.
func Alphas(s Scheduler) ([]float64, error) {
	var tr *train
	switch v := s.(type) {
	case *euler:
		tr = v.tr
	case *ddim:
		tr = v.tr
	case *consistency:
		tr = v.tr
	default:
		return nil, fmt.Errorf("%w: %T", ErrUnknownScheduler, s)
	}
	out := make([]float64, len(tr.alphasCumprod))
	for i, a := range tr.alphasCumprod {
		out[i] = float64(a)
	}
	return out, nil
}
