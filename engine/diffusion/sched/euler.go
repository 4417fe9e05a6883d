package sched

import "math"

// euler is diffusers' EulerDiscreteScheduler (s_churn 0) or, with ancestral,
// EulerAncestralDiscreteScheduler: scheduling_euler_discrete.py / scheduling_euler_ancestral_discrete.py.
type euler struct {
	base
	cfg       Config
	tr        *train
	ancestral bool
}

func (e *euler) Name() string {
	if e.ancestral {
		return "euler-ancestral"
	}
	return "euler"
}

// SetTimesteps spaces n timesteps and interpolates σ at each, final σ 0.
func (e *euler) SetTimesteps(n int) error {
	ts, err := spacedTimesteps(e.cfg, n, false)
	if err != nil {
		return err
	}
	e.timesteps = ts
	e.sigmas = make([]float64, 0, len(ts)+1)
	for _, t := range ts {
		e.sigmas = append(e.sigmas, e.tr.sigmaAt(t))
	}
	e.sigmas = append(e.sigmas, 0)
	return nil
}

// InitNoiseSigma is max σ for linspace/trailing spacing, else √(max σ² + 1).
func (e *euler) InitNoiseSigma() float64 {
	m := 0.0
	for _, s := range e.sigmas {
		m = math.Max(m, s)
	}
	if e.cfg.TimestepSpacing == "linspace" || e.cfg.TimestepSpacing == "trailing" {
		return m
	}
	return math.Sqrt(m*m + 1)
}

// ScaleModelInput divides x by √(σ_i² + 1).
func (e *euler) ScaleModelInput(x []float32, i int) error {
	if err := e.check(i, x, nil); err != nil {
		return err
	}
	s := e.sigmas[i]
	k := float32(1 / math.Sqrt(s*s+1))
	for j := range x {
		x[j] *= k
	}
	return nil
}

// Step: x0 from the prediction, derivative d = (x − x0)/σ, then x' = x + d·(σ_next − σ)
// (ancestral: step to σ_down and add σ_up·noise).
func (e *euler) Step(modelOut, sample []float32, i int, noise Noise) error {
	if err := e.check(i, modelOut, sample); err != nil {
		return err
	}
	sigma, next := e.sigmas[i], e.sigmas[i+1]
	target, up := next, 0.0
	var eps []float32
	if e.ancestral {
		up, target = SigmaUpDown(sigma, next)
		var err error
		if eps, err = draw(noise, len(sample)); err != nil {
			return err
		}
	}
	dt := float32(target - sigma)
	s32 := float32(sigma)
	vx0, vs := float32(-sigma/math.Sqrt(sigma*sigma+1)), float32(1/(sigma*sigma+1))
	for j, x := range sample {
		var x0 float32
		switch e.cfg.PredictionType {
		case "v_prediction":
			x0 = modelOut[j]*vx0 + x*vs
		case "sample":
			x0 = modelOut[j]
		default: // epsilon
			x0 = x - s32*modelOut[j]
		}
		d := (x - x0) / s32
		sample[j] = x + d*dt
		if eps != nil {
			sample[j] += eps[j] * float32(up)
		}
	}
	return nil
}

// AddNoise sets x0 to x0 + σ_i·noise.
func (e *euler) AddNoise(x0, noise []float32, i int) error {
	if err := e.check(i, x0, noise); err != nil {
		return err
	}
	s := float32(e.sigmas[i])
	for j := range x0 {
		x0[j] += noise[j] * s
	}
	return nil
}

// SigmaUpDown returns the ancestral split of the step σ_from → σ_to: σ_up =
// √(σ_to²(σ_from²−σ_to²)/σ_from²) of fresh noise and the deterministic target σ_down = √(σ_to²−σ_up²).
func SigmaUpDown(from, to float64) (up, down float64) {
	up = math.Sqrt(to * to * (from*from - to*to) / (from * from))
	return up, math.Sqrt(to*to - up*up)
}
