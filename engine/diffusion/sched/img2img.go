package sched

import "fmt"

// Img2ImgStart is the first step index img2img runs for n steps at strength, as diffusers'
// StableDiffusionXLImg2ImgPipeline.get_timesteps: init = min(int(n·strength), n), start = n − init.
// n·strength < 1 runs nothing and returns ErrNoSteps (diffusers would return the input).
func Img2ImgStart(n int, strength float64) (int, error) {
	if !(strength >= 0 && strength <= 1) {
		return 0, fmt.Errorf("%w: %v", ErrStrength, strength)
	}
	if n < 1 {
		return 0, fmt.Errorf("%w: %d", ErrSteps, n)
	}
	init := min(int(float64(n)*strength), n)
	if init < 1 {
		return 0, fmt.Errorf("%w: %d steps × strength %v", ErrNoSteps, n, strength)
	}
	return n - init, nil
}

// Plan is the part of a schedule one img2img run uses.
type Plan struct {
	Start     int       // first step index into the scheduler's schedule
	Timesteps []float64 // timesteps[Start:]
	Sigmas    []float64 // sigmas[Start:], final 0 included
}

// Img2ImgPlan sets s to n steps and returns the steps an img2img run at strength uses.
func Img2ImgPlan(s Scheduler, n int, strength float64) (Plan, error) {
	start, err := Img2ImgStart(n, strength)
	if err != nil {
		return Plan{}, err
	}
	if err := s.SetTimesteps(n); err != nil {
		return Plan{}, err
	}
	return Plan{Start: start, Timesteps: s.Timesteps()[start:], Sigmas: s.Sigmas()[start:]}, nil
}
