package sched

import (
	"errors"
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

// TestAffineMatchesSteps checks StepAffine and AddNoiseAffine against the real Step,
// ScaleModelInput and AddNoise for every scheduler, prediction type, spacing, step
// count and step index: the affine form computed in float64 equals the host result.
func TestAffineMatchesSteps(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	const n = 257
	x, out, nz := make([]float32, n), make([]float32, n), make([]float32, n)
	for i := range x {
		x[i], out[i], nz[i] = float32(rng.NormFloat64()*3), float32(rng.NormFloat64()), float32(rng.NormFloat64())
	}
	checked := 0
	for _, name := range Names {
		for _, pred := range []string{"epsilon", "v_prediction", "sample"} {
			for _, spacing := range []string{"trailing", "leading", "linspace"} {
				cfg := SDXLConfig()
				cfg.PredictionType, cfg.TimestepSpacing = pred, spacing
				s, err := New(name, cfg)
				if err != nil {
					continue // a combination the scheduler refuses
				}
				for steps := 1; steps <= 8; steps++ {
					if err := s.SetTimesteps(steps); err != nil {
						t.Fatalf("%s %s %s %d: %v", name, pred, spacing, steps, err)
					}
					for i := range steps {
						a, err := StepAffine(s, i)
						if err != nil {
							t.Fatalf("%s %s %s %d/%d: %v", name, pred, spacing, i, steps, err)
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
						if (noise.n > 0) != a.Draws {
							t.Fatalf("%s %s %s step %d/%d: Draws %v, Step drew %d times", name, pred, spacing, i, steps, a.Draws, noise.n)
						}
						for j := range x {
							want := a.X*float64(x[j]) + a.Out*float64(out[j])
							if a.Draws {
								want += a.Noise * float64(noise.last[j])
							}
							nearAffine(t, name+" "+pred+" "+spacing+" step", got[j], want)
							nearAffine(t, name+" "+pred+" "+spacing+" scale", scaled[j], a.In*float64(x[j]))
						}
						an, err := AddNoiseAffine(s, i)
						if err != nil {
							t.Fatal(err)
						}
						noised := append([]float32(nil), x...)
						if err := s.AddNoise(noised, nz, i); err != nil {
							t.Fatal(err)
						}
						for j := range x {
							nearAffine(t, name+" "+pred+" "+spacing+" add_noise", noised[j], an.X*float64(x[j])+an.Noise*float64(nz[j]))
						}
						checked++
					}
				}
			}
		}
	}
	if checked < 300 {
		t.Fatalf("only %d steps checked", checked)
	}
}

func nearAffine(t *testing.T, what string, got float32, want float64) {
	t.Helper()
	if d := math.Abs(float64(got) - want); d > 1e-5+1e-5*math.Abs(want) {
		t.Fatalf("%s: host %v, affine %v (diff %.3g)", what, got, want, d)
	}
}

func TestAffineErrors(t *testing.T) {
	s, err := New("euler", SDXLConfig())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := StepAffine(s, 0); !errors.Is(err, ErrNotSet) {
		t.Fatalf("before SetTimesteps: %v, want ErrNotSet", err)
	}
	if err := s.SetTimesteps(4); err != nil {
		t.Fatal(err)
	}
	if _, err := StepAffine(s, 4); !errors.Is(err, ErrIndex) {
		t.Fatalf("index 4 of 4: %v, want ErrIndex", err)
	}
	if _, err := AddNoiseAffine(s, -1); !errors.Is(err, ErrIndex) {
		t.Fatalf("index -1: %v, want ErrIndex", err)
	}
	cfg := SDXLConfig()
	cfg.ClipSample = true
	d, err := New("ddim", cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := d.SetTimesteps(4); err != nil {
		t.Fatal(err)
	}
	if _, err := StepAffine(d, 0); !errors.Is(err, ErrNotAffine) {
		t.Fatalf("clip_sample: %v, want ErrNotAffine", err)
	}
}
