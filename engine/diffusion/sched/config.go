package sched

import (
	"encoding/json"
	"fmt"
	"os"
)

// Config is the subset of diffusers' scheduler_config.json the engine honours. Keys it
// does not know are ignored (diffusers writes many, e.g. "_class_name", "skip_prk_steps").
type Config struct {
	NumTrainTimesteps      int       `json:"num_train_timesteps"`
	BetaStart              float64   `json:"beta_start"`
	BetaEnd                float64   `json:"beta_end"`
	BetaSchedule           string    `json:"beta_schedule"` // linear | scaled_linear
	TimestepSpacing        string    `json:"timestep_spacing"`
	StepsOffset            int       `json:"steps_offset"`
	PredictionType         string    `json:"prediction_type"` // epsilon | v_prediction | sample
	SetAlphaToOne          bool      `json:"set_alpha_to_one"`
	ClipSample             bool      `json:"clip_sample"`
	ClipSampleRange        float64   `json:"clip_sample_range"`
	Thresholding           bool      `json:"thresholding"`
	OriginalInferenceSteps int       `json:"original_inference_steps"`
	TimestepScaling        float64   `json:"timestep_scaling"`
	InterpolationType      string    `json:"interpolation_type"`
	UseKarrasSigmas        bool      `json:"use_karras_sigmas"`
	RescaleBetasZeroSNR    bool      `json:"rescale_betas_zero_snr"`
	FinalSigmasType        string    `json:"final_sigmas_type"`
	TimestepType           string    `json:"timestep_type"`
	TrainedBetas           []float64 `json:"trained_betas"`
	// Eta is the stochasticity of DDIM (diffusers' default 0) and TCD (its "gamma", default 0.3).
	// It is a step() argument in diffusers, not a config key; nil means the scheduler's default.
	Eta *float64 `json:"-"`
}

// SDXLConfig is stabilityai/stable-diffusion-xl-base-1.0's scheduler/scheduler_config.json
// with "trailing" spacing, as SDXL-Lightning, SDXL-Turbo and Hyper-SD use it.
func SDXLConfig() Config {
	return Config{
		NumTrainTimesteps:      1000,
		BetaStart:              0.00085,
		BetaEnd:                0.012,
		BetaSchedule:           "scaled_linear",
		TimestepSpacing:        "trailing",
		StepsOffset:            1,
		PredictionType:         "epsilon",
		SetAlphaToOne:          false,
		ClipSample:             false,
		ClipSampleRange:        1,
		OriginalInferenceSteps: 50,
		TimestepScaling:        10,
		InterpolationType:      "linear",
		FinalSigmasType:        "zero",
		TimestepType:           "discrete",
	}
}

// ParseConfig decodes a diffusers scheduler_config.json over SDXLConfig: keys present in
// the file win, missing keys keep the SDXL values. The result is validated.
func ParseConfig(data []byte) (Config, error) {
	c := SDXLConfig()
	if err := json.Unmarshal(data, &c); err != nil {
		return Config{}, fmt.Errorf("parse scheduler config: %w", err)
	}
	if err := c.Validate(); err != nil {
		return Config{}, err
	}
	return c, nil
}

// LoadConfig reads and parses a scheduler_config.json file.
func LoadConfig(path string) (Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return Config{}, fmt.Errorf("read scheduler config: %w", err)
	}
	c, err := ParseConfig(data)
	if err != nil {
		return Config{}, fmt.Errorf("%s: %w", path, err)
	}
	return c, nil
}

// Validate reports values the engine cannot honour exactly as diffusers would.
func (c Config) Validate() error {
	switch {
	case c.NumTrainTimesteps < 2 || c.NumTrainTimesteps > 100000:
		return fmt.Errorf("%w: num_train_timesteps %d", ErrConfig, c.NumTrainTimesteps)
	case c.BetaSchedule != "linear" && c.BetaSchedule != "scaled_linear":
		return fmt.Errorf("%w: beta_schedule %q (supported: linear, scaled_linear)", ErrConfig, c.BetaSchedule)
	case !(c.BetaStart > 0 && c.BetaEnd > 0 && c.BetaStart < 1 && c.BetaEnd < 1):
		return fmt.Errorf("%w: beta_start %v, beta_end %v", ErrConfig, c.BetaStart, c.BetaEnd)
	case c.TimestepSpacing != "trailing" && c.TimestepSpacing != "leading" && c.TimestepSpacing != "linspace":
		return fmt.Errorf("%w: timestep_spacing %q (supported: trailing, leading, linspace)", ErrConfig, c.TimestepSpacing)
	case c.PredictionType != "epsilon" && c.PredictionType != "v_prediction" && c.PredictionType != "sample":
		return fmt.Errorf("%w: prediction_type %q (supported: epsilon, v_prediction, sample)", ErrConfig, c.PredictionType)
	case c.StepsOffset < 0 || c.StepsOffset >= c.NumTrainTimesteps:
		return fmt.Errorf("%w: steps_offset %d", ErrConfig, c.StepsOffset)
	case c.OriginalInferenceSteps < 1 || c.OriginalInferenceSteps > c.NumTrainTimesteps:
		return fmt.Errorf("%w: original_inference_steps %d", ErrConfig, c.OriginalInferenceSteps)
	case len(c.TrainedBetas) > 0:
		return fmt.Errorf("%w: trained_betas is not supported", ErrConfig)
	case c.Thresholding:
		return fmt.Errorf("%w: thresholding is not supported", ErrConfig)
	case c.UseKarrasSigmas:
		return fmt.Errorf("%w: use_karras_sigmas is not supported", ErrConfig)
	case c.RescaleBetasZeroSNR:
		return fmt.Errorf("%w: rescale_betas_zero_snr is not supported", ErrConfig)
	case c.InterpolationType != "" && c.InterpolationType != "linear":
		return fmt.Errorf("%w: interpolation_type %q (supported: linear)", ErrConfig, c.InterpolationType)
	case c.FinalSigmasType != "" && c.FinalSigmasType != "zero":
		return fmt.Errorf("%w: final_sigmas_type %q (supported: zero)", ErrConfig, c.FinalSigmasType)
	case c.TimestepType != "" && c.TimestepType != "discrete":
		return fmt.Errorf("%w: timestep_type %q (supported: discrete)", ErrConfig, c.TimestepType)
	case c.Eta != nil && !(*c.Eta >= 0 && *c.Eta <= 1):
		return fmt.Errorf("%w: eta %v (must be within [0, 1])", ErrConfig, *c.Eta)
	}
	return nil
}
