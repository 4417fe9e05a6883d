package sched

import (
	"errors"
	"math"
	"testing"
)

func newSet(t *testing.T, name string, n int, mod func(*Config)) Scheduler {
	t.Helper()
	cfg := SDXLConfig()
	if mod != nil {
		mod(&cfg)
	}
	s, err := New(name, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.SetTimesteps(n); err != nil {
		t.Fatal(err)
	}
	return s
}

// TestEulerStepByHand: with σ = 14.6146 → 4.0817 (trailing, 4 steps), x = 1, ε = 0.5:
// x0 = 1 − 14.6146·0.5, d = (x − x0)/σ = ε = 0.5, x' = 1 + 0.5·(4.0817 − 14.6146) = −4.26645.
func TestEulerStepByHand(t *testing.T) {
	s := newSet(t, "euler", 4, nil)
	x := []float32{1}
	if err := s.Step([]float32{0.5}, x, 0, nil); err != nil {
		t.Fatal(err)
	}
	if !near(float64(x[0]), 1+0.5*(4.0817-14.6146), 1e-4) {
		t.Errorf("euler step = %v, want %v", x[0], 1+0.5*(4.0817-14.6146))
	}
	// Last step lands on σ = 0: x' = x − σ·ε = x0.
	x = []float32{2}
	if err := s.Step([]float32{0.25}, x, 3, nil); err != nil {
		t.Fatal(err)
	}
	if !near(float64(x[0]), 2-0.6932*0.25, 1e-4) {
		t.Errorf("last euler step = %v, want x0 = %v", x[0], 2-0.6932*0.25)
	}
	// ScaleModelInput divides by √(σ²+1).
	in := []float32{1}
	if err := s.ScaleModelInput(in, 1); err != nil {
		t.Fatal(err)
	}
	if want := 1 / math.Sqrt(4.0817*4.0817+1); !near(float64(in[0]), want, 1e-5) {
		t.Errorf("scaled = %v, want %v", in[0], want)
	}
	// AddNoise: x0 + σ·noise.
	x0 := []float32{0.5}
	if err := s.AddNoise(x0, []float32{2}, 2); err != nil {
		t.Fatal(err)
	}
	if !near(float64(x0[0]), 0.5+2*1.6129, 1e-4) {
		t.Errorf("add noise = %v, want %v", x0[0], 0.5+2*1.6129)
	}
}

// TestEulerVPrediction: x0 = −σ/√(σ²+1)·v + x/(σ²+1).
func TestEulerVPrediction(t *testing.T) {
	s := newSet(t, "euler", 4, func(c *Config) { c.PredictionType = "v_prediction" })
	sig, next := 4.0817, 1.6129
	x, v := 0.7, -0.3
	x0 := v*(-sig/math.Sqrt(sig*sig+1)) + x/(sig*sig+1)
	want := x + (x-x0)/sig*(next-sig)
	got := []float32{float32(x)}
	if err := s.Step([]float32{float32(v)}, got, 1, nil); err != nil {
		t.Fatal(err)
	}
	if !near(float64(got[0]), want, 1e-4) {
		t.Errorf("v-prediction step = %v, want %v", got[0], want)
	}
}

// TestAncestralByHand: σ_up² + σ_down² = σ_to², and the step is x + ε(σ_down − σ) + σ_up·z.
func TestAncestralByHand(t *testing.T) {
	up, down := SigmaUpDown(4, 2)
	// σ_up = √(4·(16−4)/16) = √3, σ_down = √(4−3) = 1.
	if !near(up, math.Sqrt(3), 1e-12) || !near(down, 1, 1e-12) {
		t.Errorf("SigmaUpDown(4, 2) = %v, %v; want √3, 1", up, down)
	}
	if up, down := SigmaUpDown(4, 0); up != 0 || down != 0 {
		t.Errorf("SigmaUpDown(4, 0) = %v, %v; want 0, 0", up, down)
	}
	s := newSet(t, "euler-ancestral", 4, nil)
	sig := s.Sigmas()
	up, down = SigmaUpDown(sig[0], sig[1])
	x := []float32{1}
	if err := s.Step([]float32{0.5}, x, 0, fixed{-1}); err != nil {
		t.Fatal(err)
	}
	if want := 1 + 0.5*(down-sig[0]) - up; !near(float64(x[0]), want, 1e-4) {
		t.Errorf("ancestral step = %v, want %v", x[0], want)
	}
	if err := s.Step([]float32{0.5}, x, 0, nil); !errors.Is(err, ErrNeedNoise) {
		t.Errorf("ancestral step without noise: %v, want ErrNeedNoise", err)
	}
}

// TestLCMScalings: t = 999, k = 10 → c_skip = 0.25/(9990² + 0.25), c_out = 9990/√(9990² + 0.25);
// t = 0 → c_skip 1, c_out 0 (the boundary condition f(x, 0) = x).
func TestLCMScalings(t *testing.T) {
	skip, out := LCMScalings(999, 10)
	if !near(skip, 0.25/(9990.0*9990+0.25), 1e-15) || !near(out, 9990/math.Sqrt(9990.0*9990+0.25), 1e-12) {
		t.Errorf("LCMScalings(999) = %v, %v", skip, out)
	}
	if skip, out := LCMScalings(0, 10); skip != 1 || out != 0 {
		t.Errorf("LCMScalings(0) = %v, %v; want 1, 0", skip, out)
	}
	// Last LCM step returns denoised = c_out·x0 + c_skip·x, no noise needed.
	s := newSet(t, "lcm", 4, nil)
	alphas, _ := Alphas(s)
	a := alphas[259]
	x, eps := 0.8, 0.2
	x0 := (x - math.Sqrt(1-a)*eps) / math.Sqrt(a)
	skip, out = LCMScalings(259, 10)
	got := []float32{float32(x)}
	if err := s.Step([]float32{float32(eps)}, got, 3, nil); err != nil {
		t.Fatal(err)
	}
	if want := out*x0 + skip*x; !near(float64(got[0]), want, 1e-4) {
		t.Errorf("last lcm step = %v, want %v", got[0], want)
	}
	if err := s.Step([]float32{0}, got, 0, nil); !errors.Is(err, ErrNeedNoise) {
		t.Errorf("non-final lcm step without noise: %v, want ErrNeedNoise", err)
	}
}

// TestDDIMByHand: x0 = (x − √(1−ᾱ_t)ε)/√ᾱ_t; η=0: x' = √ᾱ_prev·x0 + √(1−ᾱ_prev)·ε; the
// last step (prev < 0) uses ᾱ_0 since SDXL sets set_alpha_to_one false.
func TestDDIMByHand(t *testing.T) {
	s := newSet(t, "ddim", 4, nil)
	al, _ := Alphas(s)
	x, eps := 0.3, -0.6
	for i, tc := range []struct{ t, prev int }{{999, 749}, {249, -1}} {
		at := al[tc.t]
		ap := al[0]
		if tc.prev >= 0 {
			ap = al[tc.prev]
		}
		x0 := (x - math.Sqrt(1-at)*eps) / math.Sqrt(at)
		want := math.Sqrt(ap)*x0 + math.Sqrt(1-ap)*eps
		got := []float32{float32(x)}
		if err := s.Step([]float32{float32(eps)}, got, []int{0, 3}[i], nil); err != nil {
			t.Fatal(err)
		}
		if !near(float64(got[0]), want, 1e-4*max(1, math.Abs(want))) {
			t.Errorf("ddim step t=%d = %v, want %v", tc.t, got[0], want)
		}
	}
	// AddNoise is DDPM-style: √ᾱ·x0 + √(1−ᾱ)·noise.
	x0 := []float32{1}
	if err := s.AddNoise(x0, []float32{1}, 1); err != nil {
		t.Fatal(err)
	}
	if want := math.Sqrt(al[749]) + math.Sqrt(1-al[749]); !near(float64(x0[0]), want, 1e-5) {
		t.Errorf("ddim add noise = %v, want %v", x0[0], want)
	}
	if !near(DDIMVariance(0.5, 0.8), (0.2/0.5)*(1-0.5/0.8), 1e-15) {
		t.Error("DDIMVariance")
	}
}

// TestTCDSubTimestep: s = ⌊(1−η)·t_prev⌋ in float32, η = 0.3.
func TestTCDSubTimestep(t *testing.T) {
	for _, tc := range []struct {
		eta        float64
		prev, want int
	}{
		{0.3, 759, 531}, {0.3, 259, 181}, {0.3, 0, 0}, {0, 499, 499}, {1, 499, 0}, {0.5, 499, 249},
	} {
		if got := TCDSubTimestep(tc.eta, tc.prev); got != tc.want {
			t.Errorf("TCDSubTimestep(%v, %d) = %d, want %d", tc.eta, tc.prev, got, tc.want)
		}
	}
	// η = 0: TCD is deterministic (no noise needed) and lands on the next timestep's x0 path.
	eta := 0.0
	s := newSet(t, "tcd", 4, func(c *Config) { c.Eta = &eta })
	if err := s.Step([]float32{0.1}, []float32{0.2}, 0, nil); err != nil {
		t.Errorf("tcd eta 0 step: %v", err)
	}
}

func TestCallErrors(t *testing.T) {
	s, err := New("euler", SDXLConfig())
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Step([]float32{1}, []float32{1}, 0, nil); !errors.Is(err, ErrNotSet) {
		t.Errorf("before SetTimesteps: %v", err)
	}
	s = newSet(t, "euler", 4, nil)
	for _, tc := range []struct {
		name string
		err  error
		got  error
	}{
		{"index high", ErrIndex, s.Step([]float32{1}, []float32{1}, 4, nil)},
		{"index negative", ErrIndex, s.ScaleModelInput([]float32{1}, -1)},
		{"shape", ErrShape, s.Step([]float32{1, 2}, []float32{1}, 0, nil)},
		{"noise shape", ErrShape, s.AddNoise([]float32{1}, []float32{1, 2}, 0)},
		{"steps zero", ErrSteps, s.SetTimesteps(0)},
		{"steps over train", ErrSteps, s.SetTimesteps(1001)},
	} {
		if !errors.Is(tc.got, tc.err) {
			t.Errorf("%s: %v, want %v", tc.name, tc.got, tc.err)
		}
	}
	if _, err := New("heun", SDXLConfig()); !errors.Is(err, ErrUnknownScheduler) {
		t.Errorf("New(heun): %v", err)
	}
}

func TestInitNoiseSigma(t *testing.T) {
	if g := newSet(t, "euler", 4, nil).InitNoiseSigma(); !near(g, 14.6146, 1e-4) {
		t.Errorf("trailing init σ = %v", g)
	}
	lead := newSet(t, "euler", 4, func(c *Config) { c.TimestepSpacing = "leading" })
	if g, m := lead.InitNoiseSigma(), lead.Sigmas()[0]; !near(g, math.Sqrt(m*m+1), 1e-9) {
		t.Errorf("leading init σ = %v, want √(%v²+1)", g, m)
	}
	if g := newSet(t, "lcm", 4, nil).InitNoiseSigma(); g != 1 {
		t.Errorf("lcm init σ = %v", g)
	}
}
