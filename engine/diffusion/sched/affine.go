package sched

import (
	"errors"
	"fmt"
	"math"
)

// ErrNotAffine is returned by StepAffine for a step that is not affine per element:
// clip_sample clamps x0.
var ErrNotAffine = errors.New("sched: the step is not affine (clip_sample)")

// Affine is one scheduler operation as per-element coefficients, for a backend that runs
// the denoising loop on its device: ScaleModelInput is x_in = In·x; Step is
// x' = X·x + Out·modelOut + Noise·z, z the step's standard-normal draw; AddNoise is
// x' = X·x0 + Noise·noise.
type Affine struct {
	In    float64 // ScaleModelInput's factor (1 where it does not scale)
	X     float64 // weight of the sample (AddNoise: of x0)
	Out   float64 // weight of the model output (0 for AddNoise)
	Noise float64 // weight of the fresh draw z (AddNoise: of the caller's noise)
	Draws bool    // Step draws len(sample) values from its Noise (exactly when Step calls Fill)
}

// affiner is implemented by every scheduler New returns; the coefficients come from the
// same formulas as its Step (whose operation order follows torch's, bit for bit).
type affiner interface {
	stepAffine(i int) (Affine, error)
	addNoiseAffine(i int) (Affine, error)
}

// StepAffine returns step i's coefficients: In for ScaleModelInput(i), X, Out, Noise and
// Draws for Step(i).
func StepAffine(s Scheduler, i int) (Affine, error) {
	a, ok := s.(affiner)
	if !ok {
		return Affine{}, fmt.Errorf("%w: %T", ErrNotAffine, s)
	}
	return a.stepAffine(i)
}

// AddNoiseAffine returns AddNoise(i)'s coefficients, X·x0 + Noise·noise (the caller
// supplies the noise: Draws is false).
func AddNoiseAffine(s Scheduler, i int) (Affine, error) {
	a, ok := s.(affiner)
	if !ok {
		return Affine{}, fmt.Errorf("%w: %T", ErrNotAffine, s)
	}
	return a.addNoiseAffine(i)
}

// lin is a linear form a·x + b·out.
type lin struct{ x, out float64 }

func (l lin) scale(k float64) lin { return lin{k * l.x, k * l.out} }
func (l lin) plus(m lin) lin      { return lin{l.x + m.x, l.out + m.out} }

// forms is predictor.x0eps as linear forms of (x, out) at ᾱ.
func forms(c Config, alpha float64) (x0, eps lin, err error) {
	if c.ClipSample {
		return lin{}, lin{}, ErrNotAffine
	}
	sa, sb := math.Sqrt(alpha), math.Sqrt(1-alpha)
	switch c.PredictionType {
	case "v_prediction":
		return lin{sa, -sb}, lin{sb, sa}, nil
	case "sample":
		return lin{0, 1}, lin{1 / sb, -sa / sb}, nil
	}
	return lin{1 / sa, -sb / sa}, lin{0, 1}, nil // epsilon
}

func (e *euler) stepAffine(i int) (Affine, error) {
	if err := e.check(i, nil, nil); err != nil {
		return Affine{}, err
	}
	sigma, next := e.sigmas[i], e.sigmas[i+1]
	target, up := next, 0.0
	if e.ancestral {
		up, target = SigmaUpDown(sigma, next)
	}
	dt := target - sigma
	// x' = x + dt·(x − x0)/σ
	var x0 lin
	switch e.cfg.PredictionType {
	case "v_prediction":
		x0 = lin{1 / (sigma*sigma + 1), -sigma / math.Sqrt(sigma*sigma+1)}
	case "sample":
		x0 = lin{0, 1}
	default:
		x0 = lin{1, -sigma}
	}
	d := lin{1, 0}.plus(x0.scale(-1)).scale(1 / sigma)
	step := lin{1, 0}.plus(d.scale(dt))
	return Affine{In: 1 / math.Sqrt(sigma*sigma+1), X: step.x, Out: step.out, Noise: up, Draws: e.ancestral}, nil
}

func (e *euler) addNoiseAffine(i int) (Affine, error) {
	if err := e.check(i, nil, nil); err != nil {
		return Affine{}, err
	}
	return Affine{In: 1, X: 1, Noise: e.sigmas[i]}, nil
}

func (d *ddim) stepAffine(i int) (Affine, error) {
	if err := d.check(i, nil, nil); err != nil {
		return Affine{}, err
	}
	t := int(d.timesteps[i])
	prev := t - d.cfg.NumTrainTimesteps/d.n
	at, ap := d.tr.alpha(t), d.tr.alpha(prev)
	std := d.eta * math.Sqrt(DDIMVariance(at, ap))
	x0, eps, err := forms(d.cfg, at)
	if err != nil {
		return Affine{}, err
	}
	v := x0.scale(math.Sqrt(ap)).plus(eps.scale(math.Sqrt(1 - ap - std*std)))
	a := Affine{In: 1, X: v.x, Out: v.out}
	if d.eta > 0 {
		a.Noise, a.Draws = std, true
	}
	return a, nil
}

func (d *ddim) addNoiseAffine(i int) (Affine, error) { return ddpmAddNoise(d.tr, &d.base, i) }

func (c *consistency) addNoiseAffine(i int) (Affine, error) { return ddpmAddNoise(c.tr, &c.base, i) }

func ddpmAddNoise(tr *train, b *base, i int) (Affine, error) {
	if err := b.check(i, nil, nil); err != nil {
		return Affine{}, err
	}
	a := tr.alpha(int(b.timesteps[i]))
	return Affine{In: 1, X: math.Sqrt(a), Noise: math.Sqrt(1 - a)}, nil
}

func (c *consistency) stepAffine(i int) (Affine, error) {
	if err := c.check(i, nil, nil); err != nil {
		return Affine{}, err
	}
	t := int(c.timesteps[i])
	last := i == len(c.timesteps)-1
	if c.tcd {
		prev := 0
		if !last {
			prev = int(c.timesteps[i+1])
		}
		s := TCDSubTimestep(c.eta, prev)
		at, ap, as := c.tr.alpha(t), c.tr.alpha(prev), c.tr.alpha(s)
		x0, eps, err := forms(c.cfg, at)
		if err != nil {
			return Affine{}, err
		}
		v := x0.scale(math.Sqrt(as)).plus(eps.scale(math.Sqrt(1 - as)))
		a := Affine{In: 1, X: v.x, Out: v.out}
		if c.eta > 0 && !last {
			v = v.scale(math.Sqrt(ap / as))
			a = Affine{In: 1, X: v.x, Out: v.out, Noise: math.Sqrt(1 - ap/as), Draws: true}
		}
		return a, nil
	}
	prev := t
	if !last {
		prev = int(c.timesteps[i+1])
	}
	at, ap := c.tr.alpha(t), c.tr.alpha(prev)
	skip, out := LCMScalings(float64(t), c.cfg.TimestepScaling)
	x0, _, err := forms(c.cfg, at)
	if err != nil {
		return Affine{}, err
	}
	den := x0.scale(out).plus(lin{skip, 0})
	if last {
		return Affine{In: 1, X: den.x, Out: den.out}, nil
	}
	den = den.scale(math.Sqrt(ap))
	return Affine{In: 1, X: den.x, Out: den.out, Noise: math.Sqrt(1 - ap), Draws: true}, nil
}
