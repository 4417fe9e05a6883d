package sched

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// recNoise is a Noise that records what it fills.
type recNoise struct {
	g    *Gaussian
	last []float32
	n    int
}

func (r *recNoise) Fill(dst []float32) {
	r.g.Fill(dst)
	r.last = append(r.last[:0], dst...)
	r.n++
}

// affineVariants are the configs TestAffineMatchesSteps runs over, besides prediction
// type and spacing: the defaults, η (DDIM, TCD) and set_alpha_to_one (DDIM's last step).
func affineVariants() map[string]func(*Config) {
	eta := func(v float64) func(*Config) { return func(c *Config) { c.Eta = &v } }
	return map[string]func(*Config){
		"default":          func(*Config) {},
		"eta=0":            eta(0),
		"eta=0.5":          eta(0.5),
		"eta=1":            eta(1),
		"set_alpha_to_one": func(c *Config) { c.SetAlphaToOne = true },
	}
}

// TestAffineMatchesSteps checks StepAffine and AddNoiseAffine against the real Step,
// ScaleModelInput and AddNoise for every scheduler, prediction type, spacing, config
// variant, step count and step index: the affine form computed in float64 equals the host
// result, and Draws is whether Step drew (once, len(sample) values).
func TestAffineMatchesSteps(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	const n = 257
	x, out, nz := make([]float32, n), make([]float32, n), make([]float32, n)
	for i := range x {
		x[i], out[i], nz[i] = float32(rng.NormFloat64()*3), float32(rng.NormFloat64()), float32(rng.NormFloat64())
	}
	checked, drew := 0, 0
	for _, name := range Names {
		for _, pred := range []string{"epsilon", "v_prediction", "sample"} {
			for _, spacing := range []string{"trailing", "leading", "linspace"} {
				for vname, mod := range affineVariants() {
					cfg := SDXLConfig()
					cfg.PredictionType, cfg.TimestepSpacing = pred, spacing
					mod(&cfg)
					s, err := New(name, cfg)
					if err != nil {
						if name == "euler-ancestral" && pred == "sample" {
							continue // refused, as diffusers does
						}
						t.Fatalf("%s %s %s %s: %v", name, pred, spacing, vname, err)
					}
					for steps := 1; steps <= 8; steps++ {
						if err := s.SetTimesteps(steps); err != nil {
							t.Fatalf("%s %s %s %s %d: %v", name, pred, spacing, vname, steps, err)
						}
						for i := range steps {
							what := fmt.Sprintf("%s %s %s %s step %d/%d", name, pred, spacing, vname, i, steps)
							a, err := StepAffine(s, i)
							if err != nil {
								t.Fatalf("%s: %v", what, err)
							}
							scaled := append([]float32(nil), x...)
							if err := s.ScaleModelInput(scaled, i); err != nil {
								t.Fatal(err)
							}
							got := append([]float32(nil), x...)
							noise := &recNoise{g: NewGaussian(uint64(i + 1))}
							if err := s.Step(out, got, i, noise); err != nil {
								t.Fatal(err)
							}
							if (noise.n > 0) != a.Draws || noise.n > 1 || (noise.n == 1 && len(noise.last) != n) {
								t.Fatalf("%s: Draws %v, Step drew %d times (%d values)", what, a.Draws, noise.n, len(noise.last))
							}
							if a.Draws {
								drew++
							}
							an, err := AddNoiseAffine(s, i)
							if err != nil {
								t.Fatalf("%s: %v", what, err)
							}
							if an.In != 1 || an.Out != 0 || an.Draws {
								t.Fatalf("%s: AddNoiseAffine %+v, want In 1, Out 0, Draws false", what, an)
							}
							noised := append([]float32(nil), x...)
							if err := s.AddNoise(noised, nz, i); err != nil {
								t.Fatal(err)
							}
							for j := range x {
								want := a.X*float64(x[j]) + a.Out*float64(out[j])
								if a.Draws {
									want += a.Noise * float64(noise.last[j])
								}
								nearAffine(t, what, got[j], want)
								nearAffine(t, what+" scale", scaled[j], a.In*float64(x[j]))
								nearAffine(t, what+" add_noise", noised[j], an.X*float64(x[j])+an.Noise*float64(nz[j]))
							}
							checked++
						}
					}
				}
			}
		}
	}
	if checked < 3000 || drew < 1000 {
		t.Fatalf("only %d steps checked, %d of them stochastic", checked, drew)
	}
}

func nearAffine(t *testing.T, what string, got float32, want float64) {
	t.Helper()
	if d := math.Abs(float64(got) - want); d > 1e-5+1e-5*math.Abs(want) {
		t.Fatalf("%s: host %v, affine %v (diff %.3g)", what, got, want, d)
	}
}

// opaque is a Scheduler that is not an affiner.
type opaque struct{ Scheduler }

// TestAffineErrors: before SetTimesteps and out of range, StepAffine and AddNoiseAffine
// return Step's and AddNoise's errors; clip_sample (which clamps x0) and a foreign
// Scheduler are ErrNotAffine.
func TestAffineErrors(t *testing.T) {
	buf := make([]float32, 4)
	for _, name := range Names {
		s, err := New(name, SDXLConfig())
		if err != nil {
			t.Fatal(err)
		}
		same := func(what string, got, want, is error) {
			t.Helper()
			if !errors.Is(got, is) || got.Error() != want.Error() {
				t.Errorf("%s %s: %v, want %v", name, what, got, want)
			}
		}
		_, err = StepAffine(s, 0)
		same("StepAffine before SetTimesteps", err, s.Step(buf, buf, 0, NewGaussian(1)), ErrNotSet)
		_, err = AddNoiseAffine(s, 0)
		same("AddNoiseAffine before SetTimesteps", err, s.AddNoise(buf, buf, 0), ErrNotSet)
		if err := s.SetTimesteps(4); err != nil {
			t.Fatal(err)
		}
		for _, i := range []int{-1, 4} {
			_, err = StepAffine(s, i)
			same(fmt.Sprint("StepAffine ", i), err, s.Step(buf, buf, i, NewGaussian(1)), ErrIndex)
			_, err = AddNoiseAffine(s, i)
			same(fmt.Sprint("AddNoiseAffine ", i), err, s.AddNoise(buf, buf, i), ErrIndex)
		}
		if _, err := StepAffine(opaque{s}, 0); !errors.Is(err, ErrNotAffine) {
			t.Errorf("%s wrapped: %v, want ErrNotAffine", name, err)
		}

		cfg := SDXLConfig()
		cfg.ClipSample = true
		c, err := New(name, cfg)
		if err != nil {
			t.Fatal(err)
		}
		if err := c.SetTimesteps(4); err != nil {
			t.Fatal(err)
		}
		_, err = StepAffine(c, 0)
		if clips := name != "euler" && name != "euler-ancestral"; clips != errors.Is(err, ErrNotAffine) {
			t.Errorf("%s clip_sample: %v (the step clips: %v)", name, err, clips)
		}
		if _, err := AddNoiseAffine(c, 0); err != nil {
			t.Errorf("%s clip_sample AddNoiseAffine: %v", name, err)
		}
	}
}
