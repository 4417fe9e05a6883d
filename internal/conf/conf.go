// Package conf is the engine's typed configuration: the schema of the run config file
// (which every run flag also writes into), its embedded defaults, strict loading with
// line:column errors (internal/strictyaml, shared with mapping/) and validation.
package conf

import (
	_ "embed"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/vivid-ml/vivid-ml-engine/engine"
	"github.com/vivid-ml/vivid-ml-engine/engine/pose"
	"github.com/vivid-ml/vivid-ml-engine/internal/strictyaml"
	"github.com/vivid-ml/vivid-ml-engine/output"
)

// defaultYAML is the embedded default config (`run` without --config; `make run` needs no file).
//
//go:embed default.yaml
var defaultYAML []byte

// DefaultYAML is the embedded default config file, as shipped.
func DefaultYAML() []byte { return defaultYAML }

// Config is the one typed schema of the engine's configuration: the `run` config file
// (one file for a whole installation, docs/config.md) and, through cmd/vivid-ml-engine's
// flag bindings, every `run` flag. Unknown keys are errors.
type Config struct {
	Source    Source    `yaml:"source"`
	Pose      Pose      `yaml:"pose"`
	OSCOut    OSCOut    `yaml:"osc_out"`
	Control   Control   `yaml:"control"`
	Diffusion Diffusion `yaml:"diffusion"`
	Outputs   Outputs   `yaml:"outputs"`
	Operators Operators `yaml:"operators"`
	Backend   Backend   `yaml:",inline"`
	Log       Log       `yaml:"log"`
	Models    Models    `yaml:"models"`
	Frames    uint64    `yaml:"frames"` // --frames: stop after N frames; 0: run until stopped
}

// Backend chooses what runs the models (top-level keys; docs/xla.md).
type Backend struct {
	Name           string  `yaml:"backend"`          // --backend: ort (default), xla or go
	PJRTPlugin     string  `yaml:"pjrt_plugin"`      // --pjrt-plugin
	XLAMemFraction float64 `yaml:"xla_mem_fraction"` // --xla-mem-fraction
	XLAPreallocate bool    `yaml:"xla_preallocate"`  // --xla-preallocate
	XLAAllocator   string  `yaml:"xla_allocator"`    // --xla-allocator: default, bfc, platform or cuda_async
	XLAHalfWeights string  `yaml:"xla_half_weights"` // --xla-half-weights: models whose fp32 weights the device holds as fp16
	XLACacheDir    string  `yaml:"xla_cache_dir"`    // --xla-cache-dir: XLA's autotune cache; "": none
	// HostLoop keeps diffusion's denoising loop on the host on backends that can run
	// a whole frame on their device (xla, go): --host-loop.
	HostLoop bool `yaml:"host_loop"`
}

// Log is the `log` section: --log-level, --log-format.
type Log struct {
	Level  string `yaml:"level"`
	Format string `yaml:"format"`
}

// Models is the `models` section: --cache-dir, --offline, --ort-lib.
type Models struct {
	CacheDir string `yaml:"cache_dir"` // "": $VIVID_CACHE_DIR, else the XDG cache folder
	Offline  bool   `yaml:"offline"`
	ORTLib   string `yaml:"ort_lib"` // "": $ONNXRUNTIME_LIB, else the cached one
}

type Source struct {
	Spec   string  `yaml:"spec"`
	Width  int     `yaml:"width"`
	Height int     `yaml:"height"`
	FPS    float64 `yaml:"fps"`
}

type Pose struct {
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

type OSCOut struct {
	Targets   []string `yaml:"targets"`
	Prefix    string   `yaml:"prefix"`
	Format    string   `yaml:"format"`
	MaxRate   float64  `yaml:"max_rate"`
	YUp       bool     `yaml:"y_up"`
	MaxPacket int      `yaml:"max_packet"`
}

// ErrInvalid marks an invalid config file: a decoding error (a *strictyaml.Error with
// line:column) or an invalid value (a *ValueError naming the key).
var ErrInvalid = errors.New("config")

// ValueError is a value decoding cannot reject (a range, a name), with the key it is at.
type ValueError struct{ err error }

func (e *ValueError) Error() string { return "config: " + e.err.Error() }

// Unwrap makes errors.Is(err, ErrInvalid) hold and keeps the cause.
func (e *ValueError) Unwrap() []error { return []error{ErrInvalid, e.err} }

// Msg is the message without the "config: " prefix (e.g. `diffusion.size 500: want …`).
func (e *ValueError) Msg() string { return e.err.Error() }

// invalidf returns a *ValueError; format and args are fmt.Errorf's (%w keeps the cause).
func invalidf(format string, args ...any) error { return &ValueError{err: fmt.Errorf(format, args...)} }

// FileError is an error of the config file Path: reading it (an *os.PathError inside),
// decoding it (*strictyaml.Error) or a value in it (*ValueError).
type FileError struct {
	Path string
	Err  error
}

func (e *FileError) Error() string {
	var pe *os.PathError
	if errors.As(e.Err, &pe) {
		return "config: " + e.Err.Error()
	}
	return "config " + e.Path + ": " + e.Err.Error()
}

func (e *FileError) Unwrap() error { return e.Err }

// Default returns the embedded default config (an error only in a broken build:
// TestDefaultConfig loads it).
func Default() (*Config, error) {
	cfg := &Config{}
	if err := decode(defaultYAML, cfg); err != nil {
		return nil, fmt.Errorf("embedded default config: %w", err)
	}
	return cfg, nil
}

// Load reads path ("" = the embedded default) and validates it. Values the file leaves
// out keep the embedded defaults; relative file paths (control, diffusion, outputs,
// models) are made absolute against the config file's folder. Errors are *FileError.
func Load(path string) (*Config, error) {
	cfg, err := Default()
	if err != nil {
		return nil, err
	}
	if path == "" {
		return cfg, cfg.Validate()
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, &FileError{Path: path, Err: err}
	}
	if err := decode(data, cfg); err != nil {
		return nil, &FileError{Path: path, Err: err}
	}
	dir, err := filepath.Abs(filepath.Dir(path))
	if err != nil {
		return nil, &FileError{Path: path, Err: err}
	}
	cfg.resolvePaths(dir)
	if err := cfg.Validate(); err != nil {
		return nil, &FileError{Path: path, Err: err}
	}
	return cfg, nil
}

// Decode decodes YAML over cfg (what it leaves out stays) with the engine's strict decoder.
func Decode(data []byte, cfg *Config) error { return decode(data, cfg) }

// decode decodes YAML into v with the engine's one strict decoder (internal/strictyaml,
// shared with mapping/): unknown keys are errors with line:column.
func decode(data []byte, v any) error {
	if _, err := strictyaml.Decode(data, v); err != nil {
		return fmt.Errorf("%w: %w", ErrInvalid, err)
	}
	return nil
}

// Validate checks values that decoding cannot (call it again after flags changed cfg).
func (c *Config) Validate() error {
	if c.Source.FPS < 0 || c.Source.Width < 0 || c.Source.Height < 0 {
		return invalidf("source: fps, width and height must be >= 0")
	}
	if (c.Source.Width == 0) != (c.Source.Height == 0) {
		return invalidf("source: set both width and height, or neither")
	}
	switch c.Backend.Name {
	case "", "ort", "xla", "go":
	default:
		return invalidf("backend %q: want ort, xla or go", c.Backend.Name)
	}
	for _, t := range c.OSCOut.Targets {
		if _, _, err := net.SplitHostPort(t); err != nil {
			return invalidf("osc_out.targets %q: want HOST:PORT", t)
		}
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
	enc := c.OSCOut.Encoding()
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
	if f := c.Backend.XLAMemFraction; f < 0 || f > 1 {
		return invalidf("xla_mem_fraction %g: want 0..1", f)
	}
	switch c.Backend.XLAAllocator {
	case "", "default", "bfc", "platform", "cuda_async":
	default:
		return invalidf("xla_allocator %q: want default, bfc, platform or cuda_async", c.Backend.XLAAllocator)
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

// Encoding is the pose OSC encoding of the section.
func (o *OSCOut) Encoding() output.PoseEncoding {
	return output.PoseEncoding{Prefix: o.Prefix, Format: o.Format, YUp: o.YUp, MaxPacket: o.MaxPacket}
}

// Options are the estimator options of the pose section.
func (p *Pose) Options() pose.Options {
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

// Params applies the pose section to the engine's starting parameters.
func (p *Pose) Params(base engine.Params) engine.Params {
	base.PoseEnabled = p.Enabled
	base.PoseModel = p.Model
	base.PoseSmoothing = p.Smoothing
	base.PoseMinScore = p.MinKeypointScore
	return base
}
