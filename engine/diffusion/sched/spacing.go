package sched

import (
	"fmt"
	"math"
)

// spacedTimesteps returns diffusers' timesteps for n inference steps, highest first, for the
// Euler family (float timesteps; linspace may be fractional). DDIM rounds linspace to ints.
// Spacings: scheduling_euler_discrete.py set_timesteps.
func spacedTimesteps(c Config, n int, roundLinspace bool) ([]float64, error) {
	T := c.NumTrainTimesteps
	if n < 1 || n > T {
		return nil, fmt.Errorf("%w: %d (must be within 1..%d)", ErrSteps, n, T)
	}
	ts := make([]float64, 0, n)
	switch c.TimestepSpacing {
	case "linspace":
		// np.linspace(0, T-1, n): i·step, last exactly T-1; reversed; float32 (or rounded ints).
		step := 0.0
		if n > 1 {
			step = float64(T-1) / float64(n-1)
		}
		for i := n - 1; i >= 0; i-- {
			v := float64(i) * step
			if i == n-1 && n > 1 {
				v = float64(T - 1)
			}
			if roundLinspace {
				v = math.RoundToEven(v)
			} else {
				v = float64(float32(v))
			}
			ts = append(ts, v)
		}
	case "leading":
		ratio := T / n
		for i := n - 1; i >= 0; i-- {
			ts = append(ts, float64(i*ratio+c.StepsOffset))
		}
	case "trailing":
		// np.arange(T, 0, -T/n).round() - 1, with numpy's arange length and fill rule.
		ratio := float64(T) / float64(n)
		start := float64(T)
		delta := (start - ratio) - start
		count := int(math.Ceil((0 - start) / -ratio)) // numpy sizes arange with the step as given
		for i := range count {
			ts = append(ts, math.RoundToEven(start+float64(i)*delta)-1)
		}
	default:
		return nil, fmt.Errorf("%w: timestep_spacing %q", ErrConfig, c.TimestepSpacing)
	}
	if ts[0] > float64(T-1) {
		return nil, fmt.Errorf("%w: %d steps with steps_offset %d reach timestep %v ≥ num_train_timesteps %d",
			ErrSteps, n, c.StepsOffset, ts[0], T)
	}
	return ts, nil
}

// consistencyTimesteps returns the LCM/TCD schedule: the origin schedule of
// original_inference_steps (k = T/orig, timesteps k·i−1), reversed, then n evenly spaced
// indices floor(linspace(0, len, n, endpoint=False)). scheduling_lcm.py set_timesteps, strength 1.
func consistencyTimesteps(c Config, n int) ([]float64, error) {
	orig := c.OriginalInferenceSteps
	if n < 1 || n > orig {
		return nil, fmt.Errorf("%w: %d (must be within 1..%d, original_inference_steps)", ErrSteps, n, orig)
	}
	k := c.NumTrainTimesteps / orig
	origin := make([]int, orig) // reversed: origin[0] = orig·k − 1
	for i := range origin {
		origin[i] = (orig-i)*k - 1
	}
	ts := make([]float64, n)
	for i := range ts {
		idx := int(math.Floor(float64(i) * (float64(orig) / float64(n))))
		ts[i] = float64(origin[idx])
	}
	return ts, nil
}
