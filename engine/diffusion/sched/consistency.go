package sched

import "math"

// consistency is diffusers' LCMScheduler or, with tcd, TCDScheduler (scheduling_lcm.py,
// scheduling_tcd.py). Both use the origin schedule of original_inference_steps.
type consistency struct {
	base
	cfg Config
	tr  *train
	tcd bool
	eta float64 // TCD's gamma (diffusers' step(eta=0.3))
}

func (c *consistency) Name() string {
	if c.tcd {
		return "tcd"
	}
	return "lcm"
}

func (c *consistency) InitNoiseSigma() float64 { return 1 }

func (c *consistency) SetTimesteps(n int) error {
	ts, err := consistencyTimesteps(c.cfg, n)
	if err != nil {
		return err
	}
	c.setDDPM(c.tr, ts)
	return nil
}

func (c *consistency) ScaleModelInput(x []float32, i int) error { return c.check(i, x, nil) }

func (c *consistency) AddNoise(x0, noise []float32, i int) error {
	return addNoiseDDPM(c.tr, &c.base, x0, noise, i)
}

// Step dispatches to the LCM or TCD update.
func (c *consistency) Step(modelOut, sample []float32, i int, noise Noise) error {
	if err := c.check(i, modelOut, sample); err != nil {
		return err
	}
	if c.tcd {
		return c.stepTCD(modelOut, sample, i, noise)
	}
	return c.stepLCM(modelOut, sample, i, noise)
}

// stepLCM: denoised = c_out·x0 + c_skip·x; before the last step re-noise to the next
// timestep: √ᾱ_prev·denoised + √(1−ᾱ_prev)·noise.
func (c *consistency) stepLCM(modelOut, sample []float32, i int, noise Noise) error {
	t := int(c.timesteps[i])
	last := i == len(c.timesteps)-1
	prev := t
	if !last {
		prev = int(c.timesteps[i+1])
	}
	at, ap := c.tr.alpha(t), c.tr.alpha(prev)
	skip, out := LCMScalings(float64(t), c.cfg.TimestepScaling)
	var z []float32
	if !last {
		var err error
		if z, err = draw(noise, len(sample)); err != nil {
			return err
		}
	}
	cs, co := float32(skip), float32(out)
	sap, sbp := float32(math.Sqrt(ap)), float32(math.Sqrt(1-ap))
	p := newPredictor(c.cfg, at)
	for j, x := range sample {
		x0, _ := p.x0eps(modelOut[j], x)
		den := co*x0 + cs*x
		if z != nil {
			den = sap*den + sbp*z[j]
		}
		sample[j] = den
	}
	return nil
}

// stepTCD: predict x0 and ε, move to s = ⌊(1−η)·t_prev⌋, then (η > 0, not last step)
// forward-noise from s to t_prev.
func (c *consistency) stepTCD(modelOut, sample []float32, i int, noise Noise) error {
	t := int(c.timesteps[i])
	last := i == len(c.timesteps)-1
	prev := 0
	if !last {
		prev = int(c.timesteps[i+1])
	}
	s := TCDSubTimestep(c.eta, prev)
	at, ap, as := c.tr.alpha(t), c.tr.alpha(prev), c.tr.alpha(s)
	var z []float32
	if c.eta > 0 && !last {
		var err error
		if z, err = draw(noise, len(sample)); err != nil {
			return err
		}
	}
	sas, sbs := float32(math.Sqrt(as)), float32(math.Sqrt(1-as))
	ka, kb := float32(math.Sqrt(ap/as)), float32(math.Sqrt(1-ap/as))
	p := newPredictor(c.cfg, at)
	for j, x := range sample {
		x0, eps := p.x0eps(modelOut[j], x)
		v := sas*x0 + sbs*eps
		if z != nil {
			v = ka*v + kb*z[j]
		}
		sample[j] = v
	}
	return nil
}

// LCMScalings are LCM's boundary-condition scalings at timestep t (σ_data = 0.5):
// c_skip = σ_data²/((t·k)² + σ_data²), c_out = t·k/√((t·k)² + σ_data²), k = timestep_scaling.
func LCMScalings(t, scaling float64) (cSkip, cOut float64) {
	const sd2 = 0.25
	st := t * scaling
	return sd2 / (st*st + sd2), st / math.Sqrt(st*st+sd2)
}

// TCDSubTimestep is ⌊(1−η)·t_prev⌋, computed in float32 as torch does ((1 − eta) * long tensor).
func TCDSubTimestep(eta float64, prev int) int {
	return int(math.Floor(float64(float32(1-eta) * float32(prev))))
}
