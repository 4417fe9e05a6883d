package sched

import "math"

// train is the training noise schedule: ᾱ_t = Π(1−β) over t ∈ [0, T). Values are float32 as in
// diffusers (torch.linspace float32, betas squared in float32, torch.cumprod accumulating in
// double on CPU and storing float32) so sigmas agree with diffusers to float32 rounding.
type train struct {
	alphasCumprod []float32
	sigmas        []float32 // √((1−ᾱ)/ᾱ) per train timestep, float32 as torch computes it
	finalAlpha    float32   // ᾱ used past t=0 (DDIM, LCM, TCD): 1 or ᾱ_0 (set_alpha_to_one)
}

// newTrain builds the schedule of a validated Config.
func newTrain(c Config) *train {
	n := c.NumTrainTimesteps
	var betas []float32
	switch c.BetaSchedule {
	case "scaled_linear":
		betas = linspace32(math.Sqrt(c.BetaStart), math.Sqrt(c.BetaEnd), n)
		for i, b := range betas {
			betas[i] = b * b
		}
	default: // linear
		betas = linspace32(c.BetaStart, c.BetaEnd, n)
	}
	tr := &train{alphasCumprod: make([]float32, n), sigmas: make([]float32, n)}
	acc := 1.0
	for i, b := range betas {
		acc *= float64(1 - b)
		a := float32(acc)
		tr.alphasCumprod[i] = a
		tr.sigmas[i] = float32(math.Sqrt(float64((1 - a) / a)))
	}
	tr.finalAlpha = tr.alphasCumprod[0]
	if c.SetAlphaToOne {
		tr.finalAlpha = 1
	}
	return tr
}

// linspace32 follows torch.linspace for float32: the first half counts up from start, the
// second half down from end, with a float32 step.
func linspace32(start, end float64, n int) []float32 {
	out := make([]float32, n)
	s, e := float32(start), float32(end)
	if n == 1 {
		out[0] = s
		return out
	}
	step := (e - s) / float32(n-1)
	half := n / 2
	for i := range out {
		if i < half {
			out[i] = s + step*float32(i)
		} else {
			out[i] = e - step*float32(n-i-1)
		}
	}
	return out
}

// alpha returns ᾱ_t, or the final ᾱ for t < 0 (diffusers' "prev_timestep >= 0" rule).
func (tr *train) alpha(t int) float64 {
	if t < 0 {
		return float64(tr.finalAlpha)
	}
	return float64(tr.alphasCumprod[t])
}

// sigmaAt interpolates the train sigmas linearly at a (possibly fractional) timestep, as
// np.interp does, and rounds to float32 like diffusers' final astype(np.float32).
func (tr *train) sigmaAt(t float64) float64 {
	n := len(tr.sigmas)
	switch {
	case t <= 0:
		return float64(tr.sigmas[0])
	case t >= float64(n-1):
		return float64(tr.sigmas[n-1])
	}
	j := int(math.Floor(t))
	lo, hi := float64(tr.sigmas[j]), float64(tr.sigmas[j+1])
	return float64(float32((hi-lo)*(t-float64(j)) + lo))
}

// ddpmSigma is the σ equivalent of a DDPM-style timestep: √((1−ᾱ_t)/ᾱ_t) (0 past the end).
func (tr *train) ddpmSigma(t int) float64 {
	if t < 0 {
		return 0
	}
	return float64(tr.sigmas[t])
}
