package sched

import "testing"

// latent512 is one SDXL latent at 512²: 4×64×64.
const latent512 = 4 * 64 * 64

func benchStep(b *testing.B, name string) {
	s, err := New(name, SDXLConfig())
	if err != nil {
		b.Fatal(err)
	}
	if err := s.SetTimesteps(4); err != nil {
		b.Fatal(err)
	}
	out, x := make([]float32, latent512), make([]float32, latent512)
	g := NewGaussian(1)
	b.ResetTimer()
	for range b.N {
		if err := s.Step(out, x, 1, g); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkStepEuler512(b *testing.B)          { benchStep(b, "euler") }
func BenchmarkStepEulerAncestral512(b *testing.B) { benchStep(b, "euler-ancestral") }
func BenchmarkStepLCM512(b *testing.B)            { benchStep(b, "lcm") }
func BenchmarkStepTCD512(b *testing.B)            { benchStep(b, "tcd") }
func BenchmarkStepDDIM512(b *testing.B)           { benchStep(b, "ddim") }

func BenchmarkNoise512(b *testing.B) {
	g, dst := NewGaussian(1), make([]float32, latent512)
	for range b.N {
		g.Fill(dst)
	}
}
