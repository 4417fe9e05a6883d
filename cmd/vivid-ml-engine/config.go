package main

import (
	_ "embed"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/vivid-ml/vivid-ml-engine/engine"
	"github.com/vivid-ml/vivid-ml-engine/engine/pose"
	"github.com/vivid-ml/vivid-ml-engine/internal/strictyaml"
	"github.com/vivid-ml/vivid-ml-engine/output"
)

// defaultConfigYAML is the embedded default config (`make run` needs no file).
//
//go:embed config_default.yaml
var defaultConfigYAML []byte

// runConfig is the `run` config file: one file for a whole installation (docs/config.md).
// Unknown keys are errors; command-line flags override it (applyConfig).
type runConfig struct {
	Source    sourceConfig    `yaml:"source"`
	Pose      poseConfig      `yaml:"pose"`
	OSCOut    oscOutConfig    `yaml:"osc_out"`
	Control   controlConfig   `yaml:"control"`
	Diffusion diffusionConfig `yaml:"diffusion"`
	Outputs   outputsConfig   `yaml:"outputs"`
	Operators operatorsConfig `yaml:"operators"`
	// Backend runs the models: ort (default), xla or go (--backend; docs/xla.md).
	Backend        string       `yaml:"backend"`
	PJRTPlugin     string       `yaml:"pjrt_plugin"`      // --pjrt-plugin
	XLAMemFraction float64      `yaml:"xla_mem_fraction"` // --xla-mem-fraction
	XLAPreallocate bool         `yaml:"xla_preallocate"`  // --xla-preallocate
	Log            logConfig    `yaml:"log"`
	Models         modelsConfig `yaml:"models"`
	Frames         uint64       `yaml:"frames"` // --frames: stop after N frames; 0: run until stopped
}

// logConfig is the `log` section: --log-level, --log-format.
type logConfig struct {
	Level  string `yaml:"level"`
	Format string `yaml:"format"`
}

// modelsConfig is the `models` section: --cache-dir, --offline, --ort-lib.
type modelsConfig struct {
	CacheDir string `yaml:"cache_dir"` // "": $VIVID_CACHE_DIR, else the XDG cache folder
	Offline  bool   `yaml:"offline"`
	ORTLib   string `yaml:"ort_lib"` // "": $ONNXRUNTIME_LIB, else the cached one
}

type sourceConfig struct {
	Spec   string  `yaml:"spec"`
	Width  int     `yaml:"width"`
	Height int     `yaml:"height"`
	FPS    float64 `yaml:"fps"`
}

type poseConfig struct {
	Enabled          bool          `yaml:"enabled"`
	Model            string        `yaml:"model"`
	Smoothing        bool          `yaml:"smoothing"`
	MinKeypointScore float64       `yaml:"min_keypoint_score"`
	MinPersonScore   float64       `yaml:"min_person_score"`
	Threads          int           `yaml:"threads"`
	Providers        string        `yaml:"providers"`
	Tracker          string        `yaml:"tracker"`
	TrackerMaxAge    time.Duration `yaml:"tracker_max_age"`
}

type oscOutConfig struct {
	Targets   []string `yaml:"targets"`
	Prefix    string   `yaml:"prefix"`
	Format    string   `yaml:"format"`
	MaxRate   float64  `yaml:"max_rate"`
	YUp       bool     `yaml:"y_up"`
	MaxPacket int      `yaml:"max_packet"`
}

// errConfig marks an invalid config file: a decoding error (a *strictyaml.Error with
// line:column) or an invalid value (a *valueError naming the key).
var errConfig = errors.New("config")

// valueError is a value decoding cannot reject (a range, a name), with the key it is at.
type valueError struct{ err error }

func (e *valueError) Error() string   { return "config: " + e.err.Error() }
func (e *valueError) Unwrap() []error { return []error{errConfig, e.err} }

// Msg is the message without the "config: " prefix (e.g. `diffusion.size 500: want …`).
func (e *valueError) Msg() string { return e.err.Error() }

// invalidf returns a *valueError; format and args are fmt.Errorf's (%w keeps the cause).
func invalidf(format string, args ...any) error { return &valueError{err: fmt.Errorf(format, args...)} }

// loadRunConfig reads path ("" = the embedded default). Values the file leaves
// out keep the embedded defaults; relative file paths in the control, diffusion and
// outputs sections are made absolute against the config file's folder.
func loadRunConfig(path string) (*runConfig, error) {
	cfg := &runConfig{}
	if err := decodeStrict(defaultConfigYAML, cfg); err != nil {
		return nil, fmt.Errorf("embedded default config: %w", err)
	}
	if path == "" {
		return cfg, cfg.validate()
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("config: %w", err)
	}
	if err := decodeStrict(data, cfg); err != nil {
		return nil, fmt.Errorf("config %s: %w", path, err)
	}
	dir, err := filepath.Abs(filepath.Dir(path))
	if err != nil {
		return nil, fmt.Errorf("config %s: %w", path, err)
	}
	cfg.resolvePaths(dir)
	if err := cfg.validate(); err != nil {
		return nil, fmt.Errorf("config %s: %w", path, err)
	}
	return cfg, nil
}

// decodeStrict decodes YAML into v with the engine's one strict decoder (internal/strictyaml,
// shared with mapping/): unknown keys are errors with line:column.
func decodeStrict(data []byte, v any) error {
	if _, err := strictyaml.Decode(data, v); err != nil {
		return invalidf("%w", err)
	}
	return nil
}

// validate checks values that decoding cannot.
func (c *runConfig) validate() error {
	if c.Source.FPS < 0 || c.Source.Width < 0 || c.Source.Height < 0 {
		return invalidf("source: fps, width and height must be >= 0")
	}
	if (c.Source.Width == 0) != (c.Source.Height == 0) {
		return invalidf("source: set both width and height, or neither")
	}
	switch c.Backend {
	case "", "ort", "xla", "go":
	default:
		return invalidf("backend %q: want ort, xla or go", c.Backend)
	}
	if _, err := pose.LookupSpec(c.Pose.Model); err != nil {
		return invalidf("pose.model: %w", err)
	}
	if c.Pose.Tracker != "box" && c.Pose.Tracker != "keypoint" {
		return invalidf("pose.tracker %q: want box or keypoint", c.Pose.Tracker)
	}
	if c.Pose.TrackerMaxAge <= 0 {
		return invalidf("pose.tracker_max_age must be > 0")
	}
	for _, s := range []float64{c.Pose.MinKeypointScore, c.Pose.MinPersonScore} {
		if s < 0 || s > 1 {
			return invalidf("pose scores must be within 0..1")
		}
	}
	enc := c.OSCOut.encoding()
	if err := enc.Validate(); err != nil {
		return invalidf("osc_out: %w", err)
	}
	if err := c.Control.validate(); err != nil {
		return err
	}
	if err := c.Diffusion.validate(); err != nil {
		return err
	}
	if err := c.Operators.validate(); err != nil {
		return err
	}
	if c.XLAMemFraction < 0 || c.XLAMemFraction > 1 {
		return invalidf("xla_mem_fraction %g: want 0..1", c.XLAMemFraction)
	}
	var level slog.Level
	if err := level.UnmarshalText([]byte(c.Log.Level)); err != nil {
		return invalidf("log.level %q: want debug, info, warn or error", c.Log.Level)
	}
	if f := strings.ToLower(c.Log.Format); f != "text" && f != "json" {
		return invalidf("log.format %q: want text or json", c.Log.Format)
	}
	return c.Outputs.validate()
}

func (o *oscOutConfig) encoding() output.PoseEncoding {
	return output.PoseEncoding{Prefix: o.Prefix, Format: o.Format, YUp: o.YUp, MaxPacket: o.MaxPacket}
}

// poseOptions are the estimator options of the pose section.
func (p *poseConfig) poseOptions() pose.Options {
	o := pose.DefaultOptions()
	o.MinPoseScore = float32(p.MinPersonScore)
	o.Smoothing = p.Smoothing
	o.Tracker.Keypoint = p.Tracker == "keypoint"
	if o.Tracker.Keypoint {
		o.Tracker.MinSimilarity = 0.2
	}
	o.Tracker.MaxAge = p.TrackerMaxAge
	return o
}

// params applies the pose section to the engine's starting parameters.
func (p *poseConfig) params(base engine.Params) engine.Params {
	base.PoseEnabled = p.Enabled
	base.PoseModel = p.Model
	base.PoseSmoothing = p.Smoothing
	base.PoseMinScore = p.MinKeypointScore
	return base
}
