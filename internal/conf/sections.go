package conf

import (
	"net"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/vivid-ml/vivid-ml-engine/engine/diffusion"
	"github.com/vivid-ml/vivid-ml-engine/engine/diffusion/sched"
	"github.com/vivid-ml/vivid-ml-engine/engine/upscale"
	"github.com/vivid-ml/vivid-ml-engine/output/shm"
	"github.com/vivid-ml/vivid-ml-engine/output/spout"
	"github.com/vivid-ml/vivid-ml-engine/output/tdshm"
)

// Control is the `control` section: the config-file twin of run's control flags
// (--osc-in, --osc-allow, --feedback, --mapping, --presets, --midi-in, --midi-out).
type Control struct {
	OSCIn    string   `yaml:"osc_in"`    // ADDR:PORT; a multicast group joins it; "off" disables
	OSCAllow []string `yaml:"osc_allow"` // CIDRs or single addresses; empty: anyone who can reach osc_in
	Feedback []string `yaml:"feedback"`  // HOST:PORT targets for /vivid/param/*, /vivid/status, /vivid/error
	Mappings []string `yaml:"mappings"`  // mapping files, relative to the config file's folder
	Presets  string   `yaml:"presets"`   // presets file, relative to the config file's folder
	MIDIIn   string   `yaml:"midi_in"`   // input port name substring; "": the mapping file's midi.port
	MIDIOut  string   `yaml:"midi_out"`  // output port name substring; "": as input; "none" disables
}

// Diffusion is the `diffusion` section: the twin of run's --diffusion-* flags.
type Diffusion struct {
	Model          string  `yaml:"model"` // SDXL ONNX folder; "": diffusion off
	Size           int     `yaml:"size"`
	Similar        float64 `yaml:"similar"`
	MaxSkip        int     `yaml:"max_skip"`
	Slerp          bool    `yaml:"slerp"`
	Providers      string  `yaml:"providers"`
	Threads        int     `yaml:"threads"`
	Device         int     `yaml:"device"`
	CUDAMemLimit   int64   `yaml:"cuda_mem_limit"`
	TRTCache       string  `yaml:"trt_cache"`
	TRTFP16        bool    `yaml:"trt_fp16"`
	TRTTimingCache bool    `yaml:"trt_timing_cache"`
	TRTDynamic     bool    `yaml:"trt_dynamic"`
	TAESD          bool    `yaml:"taesd"`
	Scheduler      string  `yaml:"scheduler"`
	CUDAOptions    string  `yaml:"cuda_options"`
	CUDADeviceIO   bool    `yaml:"cuda_device_io"`
	RNG            string  `yaml:"rng"` // torch | engine
	Eta            float64 `yaml:"eta"` // DDIM/TCD step eta; < 0: the scheduler's default
}

// Outputs is the `outputs` section: the twin of --shm-out, --td-shm, --spout-out, --shm-slots,
// --http and --record*.
type Outputs struct {
	SHM      []string `yaml:"shm"`    // NAME[:input|pose|diffusion]
	TDSHM    []string `yaml:"td_shm"` // NAME[:input|pose|diffusion] (Windows only)
	Spout    []string `yaml:"spout"`  // NAME[:input|pose|diffusion] (Windows only; DirectX 11)
	SHMSlots int      `yaml:"shm_slots"`
	HTTP     string   `yaml:"http"` // ADDR:PORT; ":PORT" binds loopback only; "": no preview server
	// HTTPAllowHosts are Host names answered besides IP addresses and localhost ("*": any).
	HTTPAllowHosts []string `yaml:"http_allow_hosts"`
	Record         Record   `yaml:"record"`
}

// Operators is the `operators` section: the twin of --segment*, --upscale* and --operator-*.
type Operators struct {
	Providers string  `yaml:"providers"` // --operator-providers
	Threads   int     `yaml:"threads"`   // --operator-threads
	Segment   Segment `yaml:"segment"`
	Upscale   Upscale `yaml:"upscale"`
}

type Segment struct {
	Enabled bool   `yaml:"enabled"` // --segment
	Model   string `yaml:"model"`   // --segment-model: selfie | meet
	Color   string `yaml:"color"`   // --segment-color: RRGGBB
}

type Upscale struct {
	Scale  int    `yaml:"scale"`  // --upscale: 0 off, 2, 3, 4, 8
	Model  string `yaml:"model"`  // --upscale-model
	Stream string `yaml:"stream"` // --upscale-stream: the stream it reads
}

type Record struct {
	Path   string  `yaml:"path"` // "": no recording; relative to the config file's folder
	Stream string  `yaml:"stream"`
	FPS    float64 `yaml:"fps"`
}

// resolvePaths makes the file paths of the new sections absolute against dir (the
// config file's folder), so a config works whatever the working directory.
func (c *Config) resolvePaths(dir string) {
	abs := func(p string) string {
		if p == "" || filepath.IsAbs(p) {
			return p
		}
		if vol := filepath.VolumeName(dir); vol != "" && filepath.VolumeName(p) == "" && os.IsPathSeparator(p[0]) {
			return filepath.Clean(vol + p) // Windows: `\x` is rooted on the config's drive, not in its folder
		}
		return filepath.Join(dir, p)
	}
	for i, m := range c.Control.Mappings {
		c.Control.Mappings[i] = abs(m)
	}
	c.Control.Presets = abs(c.Control.Presets)
	c.Diffusion.Model = abs(c.Diffusion.Model)
	c.Diffusion.TRTCache = abs(c.Diffusion.TRTCache)
	c.Outputs.Record.Path = abs(c.Outputs.Record.Path)
	c.Models.CacheDir = abs(c.Models.CacheDir)
	c.Models.ORTLib = abs(c.Models.ORTLib)
}

// validate checks the operators section (the models themselves are checked when they load).
func (o *Operators) validate() error {
	if _, err := diffusion.ParseChain(o.Providers); err != nil {
		return invalidf("operators.providers: %w", err)
	}
	if o.Threads < 0 {
		return invalidf("operators.threads must be >= 0")
	}
	if m := o.Segment.Model; m != "selfie" && m != "meet" {
		return invalidf("operators.segment.model %q: want selfie or meet", m)
	}
	if _, err := ParseColor(o.Segment.Color); err != nil {
		return invalidf("operators.segment.color: %w", err)
	}
	if o.Upscale.Scale != 0 {
		if _, _, err := upscale.ModelName(o.Upscale.Model, o.Upscale.Scale); err != nil {
			return invalidf("operators.upscale: %w", err)
		}
	}
	if s, err := ParseStream(o.Upscale.Stream); err != nil || s == "" {
		return invalidf("operators.upscale.stream %q: want one of %s", o.Upscale.Stream, strings.Join(KnownStreams, ", "))
	}
	return nil
}

// validate checks the control section.
func (c *Control) validate() error {
	if c.OSCIn != "off" && c.OSCIn != "" {
		if _, _, err := net.SplitHostPort(c.OSCIn); err != nil {
			return invalidf("control.osc_in %q: want ADDR:PORT or off", c.OSCIn)
		}
	}
	for _, a := range c.OSCAllow {
		if _, err := ParseAllow(a); err != nil {
			return invalidf("control.osc_allow %q: want a CIDR or an address", a)
		}
	}
	for _, f := range c.Feedback {
		if _, _, err := net.SplitHostPort(f); err != nil {
			return invalidf("control.feedback %q: want HOST:PORT", f)
		}
	}
	for _, m := range c.Mappings {
		if m == "" {
			return invalidf("control.mappings: empty file name")
		}
	}
	return nil
}

// validate checks the diffusion section (the model folder itself is checked when it loads).
func (d *Diffusion) validate() error {
	if d.Size < 8 || d.Size%8 != 0 {
		return invalidf("diffusion.size %d: want a positive multiple of 8", d.Size)
	}
	if d.Similar < 0 || d.Similar > 1 {
		return invalidf("diffusion.similar %g: want 0..1 (0: off)", d.Similar)
	}
	if d.MaxSkip < 0 || d.Threads < 0 || d.Device < 0 || d.CUDAMemLimit < 0 {
		return invalidf("diffusion: max_skip, threads, device and cuda_mem_limit must be >= 0")
	}
	if _, _, err := diffusion.ParseProviders(d.Providers); err != nil {
		return invalidf("diffusion.providers: %w", err)
	}
	if !slices.Contains(diffusion.RNGs, d.RNG) {
		return invalidf("diffusion.rng %q: want %s", d.RNG, strings.Join(diffusion.RNGs, " or "))
	}
	if d.Eta > 1 {
		return invalidf("diffusion.eta %g: want 0..1 (< 0: the scheduler's default)", d.Eta)
	}
	if d.Scheduler != "" && !slices.Contains(sched.Names, d.Scheduler) && d.Scheduler != "euler_a" && d.Scheduler != "euler-a" {
		return invalidf("diffusion.scheduler %q: want one of %s (or empty: the model folder's)",
			d.Scheduler, strings.Join(sched.Names, ", "))
	}
	return nil
}

// validate checks the outputs section.
func (o *Outputs) validate() error {
	for _, s := range o.SHM {
		if _, err := ParseOutputSpec(s, shm.CheckName); err != nil {
			return invalidf("outputs.shm %q: %w", s, err)
		}
	}
	for _, s := range o.TDSHM {
		if _, err := ParseOutputSpec(s, tdshm.CheckName); err != nil {
			return invalidf("outputs.td_shm %q: %w", s, err)
		}
	}
	for _, s := range o.Spout {
		if _, err := ParseOutputSpec(s, spout.CheckName); err != nil {
			return invalidf("outputs.spout %q: %w", s, err)
		}
	}
	if o.SHMSlots < 1 || o.SHMSlots > 64 {
		return invalidf("outputs.shm_slots %d: want 1-64", o.SHMSlots)
	}
	if o.HTTP != "" {
		if _, _, err := net.SplitHostPort(o.HTTP); err != nil {
			return invalidf("outputs.http %q: want ADDR:PORT or :PORT", o.HTTP)
		}
	}
	if _, err := ParseStream(o.Record.Stream); err != nil {
		return invalidf("outputs.record.stream: %w", err)
	}
	if o.Record.FPS <= 0 {
		return invalidf("outputs.record.fps %g: want > 0", o.Record.FPS)
	}
	return nil
}
