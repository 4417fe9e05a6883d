package main

import (
	"bytes"
	_ "embed"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"time"

	"go.yaml.in/yaml/v4"

	"github.com/vivid-ml/vivid-ml-engine/engine"
	"github.com/vivid-ml/vivid-ml-engine/engine/pose"
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

// errConfig marks an invalid config value (decoding errors carry line:column themselves).
var errConfig = errors.New("config")

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

// decodeStrict decodes YAML into v; unknown keys are errors with line:column.
func decodeStrict(data []byte, v any) error {
	if len(bytes.TrimSpace(data)) == 0 {
		return nil
	}
	l, err := yaml.NewLoader(bytes.NewReader(data), yaml.WithKnownFields())
	if err != nil {
		return err
	}
	if err := l.Load(v); err != nil && !errors.Is(err, io.EOF) {
		return yamlPositions(err)
	}
	return nil
}

// yamlPositions rewrites YAML decode errors as "line L, column C: message".
func yamlPositions(err error) error {
	var many *yaml.LoadErrors
	if errors.As(err, &many) && len(many.Errors) > 0 {
		parts := make([]string, len(many.Errors))
		for i, e := range many.Errors {
			parts[i] = fmt.Sprintf("line %d, column %d: %s", e.Mark.Line, e.Mark.Column, e.Message)
		}
		return fmt.Errorf("%w: %s", errConfig, strings.Join(parts, "; "))
	}
	var one *yaml.LoadError
	if errors.As(err, &one) {
		return fmt.Errorf("%w: line %d, column %d: %s", errConfig, one.Mark.Line, one.Mark.Column, one.Message)
	}
	return err
}

// validate checks values that decoding cannot.
func (c *runConfig) validate() error {
	if c.Source.FPS < 0 || c.Source.Width < 0 || c.Source.Height < 0 {
		return fmt.Errorf("%w: source: fps, width and height must be >= 0", errConfig)
	}
	if (c.Source.Width == 0) != (c.Source.Height == 0) {
		return fmt.Errorf("%w: source: set both width and height, or neither", errConfig)
	}
	switch c.Backend {
	case "", "ort", "xla", "go":
	default:
		return fmt.Errorf("%w: backend %q: want ort, xla or go", errConfig, c.Backend)
	}
	if _, err := pose.LookupSpec(c.Pose.Model); err != nil {
		return fmt.Errorf("%w: pose.model: %w", errConfig, err)
	}
	if c.Pose.Tracker != "box" && c.Pose.Tracker != "keypoint" {
		return fmt.Errorf("%w: pose.tracker %q: want box or keypoint", errConfig, c.Pose.Tracker)
	}
	if c.Pose.TrackerMaxAge <= 0 {
		return fmt.Errorf("%w: pose.tracker_max_age must be > 0", errConfig)
	}
	for _, s := range []float64{c.Pose.MinKeypointScore, c.Pose.MinPersonScore} {
		if s < 0 || s > 1 {
			return fmt.Errorf("%w: pose scores must be within 0..1", errConfig)
		}
	}
	enc := c.OSCOut.encoding()
	if err := enc.Validate(); err != nil {
		return fmt.Errorf("%w: osc_out: %w", errConfig, err)
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
		return fmt.Errorf("%w: xla_mem_fraction %g: want 0..1", errConfig, c.XLAMemFraction)
	}
	var level slog.Level
	if err := level.UnmarshalText([]byte(c.Log.Level)); err != nil {
		return fmt.Errorf("%w: log.level %q: want debug, info, warn or error", errConfig, c.Log.Level)
	}
	if f := strings.ToLower(c.Log.Format); f != "text" && f != "json" {
		return fmt.Errorf("%w: log.format %q: want text or json", errConfig, c.Log.Format)
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
