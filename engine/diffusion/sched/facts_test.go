package sched

import (
	"errors"
	"math"
	"slices"
	"testing"
)

// near reports whether got and want agree to tol.
func near(got, want, tol float64) bool { return math.Abs(got-want) <= tol }

// TestPublishedSDXL checks the numbers FACTS.md quotes from diffusers for the SDXL schedule.
func TestPublishedSDXL(t *testing.T) {
	s, err := New("euler", SDXLConfig())
	if err != nil {
		t.Fatal(err)
	}
	tr := s.(*euler).tr
	if g := float64(tr.sigmas[999]); !near(g, 14.6146, 1e-4) {
		t.Errorf("σ(999) = %v, want 14.6146", g)
	}
	if g := float64(tr.sigmas[0]); !near(g, 0.029167, 1e-6) {
		t.Errorf("σ(0) = %v, want 0.029167", g)
	}
	if err := s.SetTimesteps(4); err != nil {
		t.Fatal(err)
	}
	if g := s.Timesteps(); !slices.Equal(g, []float64{999, 749, 499, 249}) {
		t.Errorf("timesteps = %v", g)
	}
	want := []float64{14.6146, 4.0817, 1.6129, 0.6932, 0}
	for i, g := range s.Sigmas() {
		if !near(g, want[i], 1e-4) {
			t.Errorf("σ[%d] = %v, want %v", i, g, want[i])
		}
	}
	for _, name := range []string{"lcm", "tcd"} {
		c, err := New(name, SDXLConfig())
		if err != nil {
			t.Fatal(err)
		}
		if err := c.SetTimesteps(4); err != nil {
			t.Fatal(err)
		}
		if g := c.Timesteps(); !slices.Equal(g, []float64{999, 759, 499, 259}) {
			t.Errorf("%s timesteps = %v", name, g)
		}
	}
}

func TestImg2ImgStart(t *testing.T) {
	tests := []struct {
		name     string
		n        int
		strength float64
		want     int
		err      error
	}{
		{"full", 4, 1, 0, nil},
		{"half", 4, 0.5, 2, nil},
		{"quarter", 4, 0.25, 3, nil},
		{"three-quarters of 2 floors to 1", 2, 0.75, 1, nil},
		{"one step", 1, 1, 0, nil},
		{"below one step", 3, 0.25, 0, ErrNoSteps},
		{"zero strength", 8, 0, 0, ErrNoSteps},
		{"strength over one", 4, 1.5, 0, ErrStrength},
		{"nan strength", 4, math.NaN(), 0, ErrStrength},
		{"zero steps", 0, 1, 0, ErrSteps},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Img2ImgStart(tt.n, tt.strength)
			if !errors.Is(err, tt.err) || got != tt.want {
				t.Fatalf("Img2ImgStart(%d, %v) = %d, %v; want %d, %v", tt.n, tt.strength, got, err, tt.want, tt.err)
			}
		})
	}
}
