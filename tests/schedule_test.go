package tests

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"strings"
	"testing"
)

// TestDiffusionScheduleGolden runs `diffusion schedule --json` for every scheduler, spacing,
// step count 1–8 and strength 0.25/0.5/0.75/1 and compares with the independent reference
// (engine/diffusion/sched/testdata/golden.json, from gen_golden.py): timesteps exact, sigmas 1e-4.
func TestDiffusionScheduleGolden(t *testing.T) {
	data, err := os.ReadFile("../engine/diffusion/sched/testdata/golden.json")
	if err != nil {
		t.Fatal(err)
	}
	var g struct {
		Cases []struct {
			Scheduler string    `json:"scheduler"`
			Spacing   string    `json:"spacing"`
			Steps     int       `json:"steps"`
			Strength  float64   `json:"strength"`
			NoSteps   bool      `json:"no_steps"`
			Timesteps []float64 `json:"timesteps"`
			Sigmas    []float64 `json:"sigmas"`
		} `json:"cases"`
	}
	if err := json.Unmarshal(data, &g); err != nil {
		t.Fatal(err)
	}
	if len(g.Cases) < 300 {
		t.Fatalf("golden.json has %d cases", len(g.Cases))
	}
	for _, c := range g.Cases {
		name := fmt.Sprintf("%s/%s/n%d/s%v", c.Scheduler, c.Spacing, c.Steps, c.Strength)
		out, err := engine("diffusion", "schedule", "--scheduler", c.Scheduler, "--spacing", c.Spacing,
			"--steps", fmt.Sprint(c.Steps), "--strength", fmt.Sprint(c.Strength), "--json").CombinedOutput()
		if c.NoSteps {
			if err == nil || !strings.Contains(string(out), "steps × strength < 1") {
				t.Errorf("%s: want a non-zero exit naming steps × strength < 1, got %v: %s", name, err, out)
			}
			continue
		}
		if err != nil {
			t.Fatalf("%s: %v: %s", name, err, out)
		}
		var got struct {
			Timesteps []float64 `json:"timesteps"`
			Sigmas    []float64 `json:"sigmas"`
		}
		if err := json.Unmarshal(out, &got); err != nil {
			t.Fatalf("%s: %v: %s", name, err, out)
		}
		if !schedWithin(got.Timesteps, c.Timesteps, 0) || !schedWithin(got.Sigmas, c.Sigmas, 1e-4) {
			t.Errorf("%s: got %v %v, want %v %v", name, got.Timesteps, got.Sigmas, c.Timesteps, c.Sigmas)
		}
	}
}

// TestDiffusionSchedulePublished checks the SDXL numbers quoted from diffusers (FACTS.md).
func TestDiffusionSchedulePublished(t *testing.T) {
	tests := []struct {
		args      []string
		timesteps []float64
		sigmas    []float64
	}{
		{[]string{"--scheduler", "euler", "--spacing", "trailing", "--steps", "4"},
			[]float64{999, 749, 499, 249}, []float64{14.6146, 4.0817, 1.6129, 0.6932, 0}},
		{[]string{"--scheduler", "lcm", "--steps", "4"}, []float64{999, 759, 499, 259}, nil},
		{[]string{"--scheduler", "tcd", "--steps", "4", "--strength", "0.5"}, []float64{499, 259}, nil},
	}
	for _, tt := range tests {
		out, err := engine(append(append([]string{"diffusion", "schedule"}, tt.args...), "--json")...).Output()
		if err != nil {
			t.Fatalf("%v: %v", tt.args, err)
		}
		var got struct{ Timesteps, Sigmas []float64 }
		if err := json.Unmarshal(out, &got); err != nil {
			t.Fatal(err)
		}
		if !schedWithin(got.Timesteps, tt.timesteps, 0) || (tt.sigmas != nil && !schedWithin(got.Sigmas, tt.sigmas, 1e-4)) {
			t.Errorf("%v: got %v %v", tt.args, got.Timesteps, got.Sigmas)
		}
		if n := len(got.Sigmas); n != len(got.Timesteps)+1 || got.Sigmas[n-1] != 0 {
			t.Errorf("%v: sigmas %v must end with a final 0", tt.args, got.Sigmas)
		}
	}
}

// TestDiffusionScheduleErrors: bad input exits non-zero with a message naming the problem.
func TestDiffusionScheduleErrors(t *testing.T) {
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"--steps", "2", "--strength", "0.25"}, "steps × strength < 1"},
		{[]string{"--scheduler", "heun"}, `unknown scheduler: "heun"`},
		{[]string{"--spacing", "karras"}, `timestep_spacing "karras"`},
		{[]string{"--steps", "0"}, "invalid number of inference steps"},
		{[]string{"--scheduler", "lcm", "--steps", "51"}, "invalid number of inference steps: 51"},
		{[]string{"--strength", "1.5"}, "strength must be within [0, 1]"},
	}
	for _, tt := range tests {
		out, err := engine(append([]string{"diffusion", "schedule"}, tt.args...)...).CombinedOutput()
		if err == nil || !strings.Contains(string(out), tt.want) {
			t.Errorf("%v: err %v, output %q; want non-zero exit containing %q", tt.args, err, out, tt.want)
		}
	}
}

func schedWithin(a, b []float64, tol float64) bool {
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

// TestDiffusionScheduleText: without --json the schedule is printed one step per line.
func TestDiffusionScheduleText(t *testing.T) {
	out, err := engine("diffusion", "schedule", "--scheduler", "euler", "--steps", "4", "--strength", "0.5").Output()
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"running steps 2..3", "step 2  timestep 499", "sigma 1.612887", "step 3  timestep 249", "final"} {
		if !strings.Contains(string(out), want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
}
