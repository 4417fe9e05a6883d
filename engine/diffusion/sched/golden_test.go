package sched

import (
	"bytes"
	"encoding/json"
	"errors"
	"math"
	"os"
	"os/exec"
	"testing"
)

// golden is testdata/golden.json, written by testdata/gen_golden.py: diffusers' formulas
// in plain Python, independent of this package.
type golden struct {
	Sample      []float32 `json:"sample"`
	ModelOutput []float32 `json:"model_output"`
	Noise       []float32 `json:"noise"`
	Cases       []struct {
		Scheduler     string      `json:"scheduler"`
		Spacing       string      `json:"spacing"`
		Steps         int         `json:"steps"`
		Strength      float64     `json:"strength"`
		NoSteps       bool        `json:"no_steps"`
		Start         int         `json:"start"`
		Timesteps     []float64   `json:"timesteps"`
		Sigmas        []float64   `json:"sigmas"`
		FullTimesteps []float64   `json:"full_timesteps"`
		FullSigmas    []float64   `json:"full_sigmas"`
		StepOutputs   [][]float64 `json:"step_outputs"`
	} `json:"cases"`
}

func loadGolden(t *testing.T) golden {
	t.Helper()
	data, err := os.ReadFile("testdata/golden.json")
	if err != nil {
		t.Fatal(err)
	}
	var g golden
	if err := json.Unmarshal(data, &g); err != nil {
		t.Fatal(err)
	}
	if len(g.Cases) == 0 {
		t.Fatal("golden.json has no cases")
	}
	return g
}

// fixed is a Noise that repeats a fixed vector.
type fixed []float32

func (f fixed) Fill(dst []float32) { copy(dst, f) }

func equalWithin(a, b []float64, tol float64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if math.Abs(a[i]-b[i]) > tol*max(1, math.Abs(b[i])) {
			return false
		}
	}
	return true
}

// TestGoldenSchedules: every scheduler and spacing, 1–8 steps, strengths 0.25/0.5/0.75/1,
// timesteps exact and sigmas within 1e-4 of the reference (and one full step of each).
func TestGoldenSchedules(t *testing.T) {
	g := loadGolden(t)
	for _, c := range g.Cases {
		cfg := SDXLConfig()
		cfg.TimestepSpacing = c.Spacing
		s, err := New(c.Scheduler, cfg)
		if err != nil {
			t.Fatal(err)
		}
		plan, err := Img2ImgPlan(s, c.Steps, c.Strength)
		if c.NoSteps {
			if !errors.Is(err, ErrNoSteps) {
				t.Errorf("%s/%s n=%d strength=%v: err %v, want ErrNoSteps", c.Scheduler, c.Spacing, c.Steps, c.Strength, err)
			}
			continue
		}
		if err != nil {
			t.Fatalf("%s/%s n=%d strength=%v: %v", c.Scheduler, c.Spacing, c.Steps, c.Strength, err)
		}
		if plan.Start != c.Start || !equalWithin(plan.Timesteps, c.Timesteps, 0) || !equalWithin(plan.Sigmas, c.Sigmas, 1e-4) {
			t.Errorf("%s/%s n=%d strength=%v:\n got start %d %v %v\nwant start %d %v %v", c.Scheduler, c.Spacing, c.Steps,
				c.Strength, plan.Start, plan.Timesteps, plan.Sigmas, c.Start, c.Timesteps, c.Sigmas)
		}
		// float32 emulation: sigmas agree far tighter than the 1e-4 acceptance.
		if !equalWithin(s.Sigmas(), c.FullSigmas, 1e-6) {
			t.Errorf("%s/%s n=%d: sigmas %v, want %v (1e-6)", c.Scheduler, c.Spacing, c.Steps, s.Sigmas(), c.FullSigmas)
		}
		if c.Strength != 1 {
			continue
		}
		for i, want := range c.StepOutputs {
			x := append([]float32(nil), g.Sample...)
			if err := s.Step(g.ModelOutput, x, i, fixed(g.Noise)); err != nil {
				t.Fatal(err)
			}
			got := make([]float64, len(x))
			for j, v := range x {
				got[j] = float64(v)
			}
			if !equalWithin(got, want, 1e-4) {
				t.Errorf("%s/%s n=%d step %d: %v, want %v", c.Scheduler, c.Spacing, c.Steps, i, got, want)
			}
		}
	}
}

// TestGoldenFresh regenerates golden.json with python3 (when present) and checks the
// committed file is its current output, so the reference and its generator cannot drift.
func TestGoldenFresh(t *testing.T) {
	py, err := exec.LookPath("python3")
	if err != nil {
		t.Skip("python3 not found")
	}
	out, err := exec.Command(py, "testdata/gen_golden.py").Output()
	if err != nil {
		t.Fatalf("gen_golden.py: %v", err)
	}
	want, err := os.ReadFile("testdata/golden.json")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(out, want) {
		t.Fatal("testdata/golden.json is stale: run python3 testdata/gen_golden.py > testdata/golden.json")
	}
}
