package sched

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// sdxlBase is stabilityai/stable-diffusion-xl-base-1.0 scheduler/scheduler_config.json.
const sdxlBase = `{
  "_class_name": "EulerDiscreteScheduler", "_diffusers_version": "0.19.0.dev0",
  "beta_end": 0.012, "beta_schedule": "scaled_linear", "beta_start": 0.00085,
  "clip_sample": false, "interpolation_type": "linear", "num_train_timesteps": 1000,
  "prediction_type": "epsilon", "sample_max_value": 1.0, "set_alpha_to_one": false,
  "skip_prk_steps": true, "steps_offset": 1, "timestep_spacing": "leading",
  "trained_betas": null, "use_karras_sigmas": false
}`

func TestParseConfig(t *testing.T) {
	c, err := ParseConfig([]byte(sdxlBase))
	if err != nil {
		t.Fatal(err)
	}
	if c.TimestepSpacing != "leading" || c.StepsOffset != 1 || c.SetAlphaToOne || c.OriginalInferenceSteps != 50 {
		t.Errorf("parsed %+v", c)
	}
	tests := []struct {
		name, json, want string
	}{
		{"syntax", `{"beta_start": }`, "parse scheduler config: invalid character"},
		{"type", `{"steps_offset": "one"}`, "parse scheduler config: json: cannot unmarshal string"},
		{"schedule", `{"beta_schedule": "squaredcos_cap_v2"}`, `invalid scheduler config: beta_schedule "squaredcos_cap_v2" (supported: linear, scaled_linear)`},
		{"spacing", `{"timestep_spacing": "karras"}`, `invalid scheduler config: timestep_spacing "karras"`},
		{"prediction", `{"prediction_type": "flow"}`, `invalid scheduler config: prediction_type "flow"`},
		{"karras", `{"use_karras_sigmas": true}`, "invalid scheduler config: use_karras_sigmas is not supported"},
		{"thresholding", `{"thresholding": true}`, "invalid scheduler config: thresholding is not supported"},
		{"trained betas", `{"trained_betas": [0.1, 0.2]}`, "invalid scheduler config: trained_betas is not supported"},
		{"zero snr", `{"rescale_betas_zero_snr": true}`, "invalid scheduler config: rescale_betas_zero_snr is not supported"},
		{"train steps", `{"num_train_timesteps": 1}`, "invalid scheduler config: num_train_timesteps 1"},
		{"beta", `{"beta_start": 0}`, "invalid scheduler config: beta_start 0, beta_end 0.012"},
		{"origin steps", `{"original_inference_steps": 0}`, "invalid scheduler config: original_inference_steps 0"},
		{"final sigma", `{"final_sigmas_type": "sigma_min"}`, `invalid scheduler config: final_sigmas_type "sigma_min"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseConfig([]byte(tt.json))
			if err == nil || !strings.HasPrefix(err.Error(), tt.want) {
				t.Fatalf("ParseConfig: %v, want prefix %q", err, tt.want)
			}
		})
	}
	if _, err := ParseConfig([]byte(`{"use_karras_sigmas": true}`)); !errors.Is(err, ErrConfig) {
		t.Errorf("unsupported key is not ErrConfig: %v", err)
	}
}

// TestConfigHonoured: linear betas and steps_offset change the schedule as diffusers does.
func TestConfigHonoured(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "scheduler_config.json")
	os.WriteFile(p, []byte(sdxlBase), 0o644)
	c, err := LoadConfig(p)
	if err != nil {
		t.Fatal(err)
	}
	s, _ := New("euler", c)
	s.SetTimesteps(4)
	if ts := s.Timesteps(); ts[0] != 751 || ts[3] != 1 {
		t.Errorf("leading + offset 1: %v, want [751 501 251 1]", ts)
	}
	c.StepsOffset = 0
	s, _ = New("ddim", c)
	s.SetTimesteps(4)
	if ts := s.Timesteps(); ts[0] != 750 || ts[3] != 0 {
		t.Errorf("leading + offset 0: %v, want [750 500 250 0]", ts)
	}
	c.BetaSchedule, c.BetaStart, c.BetaEnd = "linear", 0.0001, 0.02
	s, _ = New("ddim", c)
	al, _ := Alphas(s)
	if !near(al[0], 0.9999, 1e-7) || !near(al[1], 0.9999*(1-(0.0001+0.0199/999)), 1e-6) {
		t.Errorf("linear betas: ᾱ0 %v ᾱ1 %v", al[0], al[1])
	}
	if _, err := LoadConfig(filepath.Join(dir, "missing.json")); err == nil || !strings.Contains(err.Error(), "read scheduler config") {
		t.Errorf("missing file: %v", err)
	}
}

func FuzzParseConfig(f *testing.F) {
	f.Add([]byte(sdxlBase))
	f.Add([]byte(`{"num_train_timesteps": 3, "original_inference_steps": 3, "steps_offset": 2}`))
	f.Add([]byte(`{"timestep_spacing": "trailing", "beta_schedule": "linear", "beta_start": 0.5, "beta_end": 0.9}`))
	f.Add([]byte(`null`))
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := ParseConfig(data)
		if err != nil || c.NumTrainTimesteps > 5000 {
			return
		}
		for _, name := range Names {
			s, err := New(name, c)
			if errors.Is(err, ErrConfig) && c.PredictionType == "sample" {
				continue // euler-ancestral rejects it, as diffusers does
			}
			if err != nil {
				t.Fatalf("New(%s) of a valid config: %v", name, err)
			}
			for _, n := range []int{1, 2, 3, 8} {
				if s.SetTimesteps(n) != nil {
					continue
				}
				ts, sig := s.Timesteps(), s.Sigmas()
				if len(sig) != len(ts)+1 || sig[len(ts)] != 0 {
					t.Fatalf("%s n=%d: %d timesteps, sigmas %v", name, n, len(ts), sig)
				}
				x := make([]float32, 2)
				for i := range ts {
					if err := s.Step([]float32{0.1, -0.1}, x, i, NewGaussian(1)); err != nil {
						t.Fatalf("%s n=%d step %d: %v", name, n, i, err)
					}
				}
			}
		}
	})
}
