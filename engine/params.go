package engine

import (
	"errors"
	"fmt"
	"math"
	"strings"
	"unicode/utf8"
)

// Params is one immutable snapshot of everything a controller can steer.
// Control builds a new Params and swaps it in atomically (see ParamStore);
// each frame reads exactly one snapshot and never sees a half-applied change.
type Params struct {
	Strength float64 // img2img strength, 0..1
	Steps    int     // diffusion steps, 1..8
	Seed     int64
	Prompt   string
	Negative string
	Preset   string  // name of the selected preset, "" when none
	PresetB  string  // second preset for blending, "" when none
	Blend    float64 // 0..1 between Preset and PresetB
	Guidance float64 // classifier-free guidance; <= 1 disables it

	// PromptB and NegativeB are PresetB's prompts: with Blend > 0 the diffusion
	// stage mixes the text embeddings of Prompt and PromptB by Blend.
	PromptB   string
	NegativeB string

	PoseModel     string  // movenet-lightning | movenet-thunder | movenet-multipose
	PoseMinScore  float64 // keypoint score threshold
	PoseSmoothing bool    // One Euro filter on keypoints

	PoseEnabled      bool
	DiffusionEnabled bool
	Paused           bool

	// Segmentation (run --segment): matte = smoothstep(threshold−feather, threshold+feather, mask);
	// smoothing is the weight of the previous mask in a per-pixel running average;
	// mode: 0 background colour, 1 blurred background, 2 transparent, 3 the diffusion picture.
	SegmentThreshold float64
	SegmentFeather   float64
	SegmentSmoothing float64
	SegmentMode      int
}

// DefaultParams are the values the engine starts with.
func DefaultParams() Params {
	return Params{
		Strength:         0.5,
		Steps:            2,
		Seed:             42,
		Prompt:           "a colorful painting, vivid brush strokes",
		Guidance:         0,
		PoseModel:        "movenet-lightning",
		PoseMinScore:     0.2,
		PoseSmoothing:    true,
		PoseEnabled:      true,
		DiffusionEnabled: false,
		SegmentThreshold: 0.5,
		SegmentFeather:   0.1,
		SegmentSmoothing: 0.5,
	}
}

// MaxPromptBytes caps prompt strings set from a controller (CLIP reads 77 tokens anyway).
const MaxPromptBytes = 2048

// ErrUnknownParam means a parameter name is not one of ParamNames.
var ErrUnknownParam = errors.New("unknown parameter")

// ErrBadValue means a value was NaN, infinite, of the wrong kind or not valid UTF-8.
var ErrBadValue = errors.New("invalid value")

// ParamKind says how a parameter's value is carried on the wire.
type ParamKind int

// Parameter kinds.
const (
	KindFloat ParamKind = iota
	KindInt
	KindBool
	KindString
)

// ParamSpec describes one named, controllable parameter: its kind and valid range.
type ParamSpec struct {
	Name     string
	Kind     ParamKind
	Min, Max float64 // numeric kinds: values outside are clamped
}

// ParamSpecs lists every parameter a controller can set, in feedback order.
var ParamSpecs = []ParamSpec{
	{"strength", KindFloat, 0, 1},
	{"steps", KindInt, 1, 8},
	{"seed", KindInt, 0, math.MaxInt32},
	{"guidance", KindFloat, 0, 30},
	{"blend", KindFloat, 0, 1},
	{"prompt", KindString, 0, 0},
	{"negative", KindString, 0, 0},
	{"preset", KindString, 0, 0},
	{"preset_b", KindString, 0, 0},
	{"pose_min_score", KindFloat, 0, 1},
	{"pose_smoothing", KindBool, 0, 1},
	{"pose", KindBool, 0, 1},
	{"diffusion", KindBool, 0, 1},
	{"paused", KindBool, 0, 1},
	{"pose_model", KindString, 0, 0},
	{"segment_threshold", KindFloat, 0, 1},
	{"segment_feather", KindFloat, 0, 0.5},
	{"segment_smoothing", KindFloat, 0, 0.95},
	{"segment_mode", KindInt, 0, 3},
}

// LookupParam returns the spec of the parameter called name.
func LookupParam(name string) (ParamSpec, bool) {
	for _, s := range ParamSpecs {
		if s.Name == name {
			return s, true
		}
	}
	return ParamSpec{}, false
}

// GetParam returns the value of the named parameter as float64, int64, bool or string.
func (p *Params) GetParam(name string) (any, bool) {
	switch name {
	case "strength":
		return p.Strength, true
	case "steps":
		return int64(p.Steps), true
	case "seed":
		return p.Seed, true
	case "guidance":
		return p.Guidance, true
	case "blend":
		return p.Blend, true
	case "prompt":
		return p.Prompt, true
	case "negative":
		return p.Negative, true
	case "preset":
		return p.Preset, true
	case "preset_b":
		return p.PresetB, true
	case "pose_min_score":
		return p.PoseMinScore, true
	case "pose_smoothing":
		return p.PoseSmoothing, true
	case "pose":
		return p.PoseEnabled, true
	case "diffusion":
		return p.DiffusionEnabled, true
	case "paused":
		return p.Paused, true
	case "pose_model":
		return p.PoseModel, true
	case "segment_threshold":
		return p.SegmentThreshold, true
	case "segment_feather":
		return p.SegmentFeather, true
	case "segment_smoothing":
		return p.SegmentSmoothing, true
	case "segment_mode":
		return int64(p.SegmentMode), true
	}
	return nil, false
}

// GetNumber returns a numeric view of the named parameter (bools are 0/1); strings report false.
func (p *Params) GetNumber(name string) (float64, bool) {
	v, ok := p.GetParam(name)
	if !ok {
		return 0, false
	}
	switch x := v.(type) {
	case float64:
		return x, true
	case int64:
		return float64(x), true
	case bool:
		if x {
			return 1, true
		}
		return 0, true
	}
	return 0, false
}

// SetNumber sets a numeric or boolean parameter (bool: v >= 0.5), clamping to its range.
// It reports whether the value had to be clamped; NaN and ±Inf are rejected.
func (p *Params) SetNumber(name string, v float64) (clamped bool, err error) {
	s, ok := LookupParam(name)
	if !ok {
		return false, fmt.Errorf("%w %q", ErrUnknownParam, name)
	}
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return false, fmt.Errorf("%s: %w: %v", name, ErrBadValue, v)
	}
	if s.Kind == KindString {
		return false, fmt.Errorf("%s: %w: wants a string", name, ErrBadValue)
	}
	if s.Kind != KindBool {
		if v < s.Min {
			v, clamped = s.Min, true
		} else if v > s.Max {
			v, clamped = s.Max, true
		}
	}
	switch name {
	case "strength":
		p.Strength = v
	case "steps":
		p.Steps = int(math.Round(v))
	case "seed":
		p.Seed = int64(math.Round(v))
	case "guidance":
		p.Guidance = v
	case "blend":
		p.Blend = v
	case "pose_min_score":
		p.PoseMinScore = v
	case "pose_smoothing":
		p.PoseSmoothing = v >= 0.5
	case "pose":
		p.PoseEnabled = v >= 0.5
	case "diffusion":
		p.DiffusionEnabled = v >= 0.5
	case "paused":
		p.Paused = v >= 0.5
	case "segment_threshold":
		p.SegmentThreshold = v
	case "segment_feather":
		p.SegmentFeather = v
	case "segment_smoothing":
		p.SegmentSmoothing = v
	case "segment_mode":
		p.SegmentMode = int(math.Round(v))
	}
	return clamped, nil
}

// PoseModels are the accepted values of the pose_model parameter.
var PoseModels = []string{"movenet-lightning", "movenet-thunder", "movenet-multipose"}

// SetString sets a string parameter. Invalid UTF-8 is rejected; control characters
// other than newline and tab are dropped; values are capped at MaxPromptBytes.
func (p *Params) SetString(name, v string) error {
	s, ok := LookupParam(name)
	if !ok {
		return fmt.Errorf("%w %q", ErrUnknownParam, name)
	}
	if s.Kind != KindString {
		return fmt.Errorf("%s: %w: wants a number", name, ErrBadValue)
	}
	v, err := SanitizeText(v)
	if err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	switch name {
	case "prompt":
		p.Prompt = v
	case "negative":
		p.Negative = v
	case "preset":
		p.Preset = v
	case "preset_b":
		p.PresetB = v
	case "pose_model":
		for _, m := range PoseModels {
			if m == v {
				p.PoseModel = v
				return nil
			}
		}
		return fmt.Errorf("pose_model: %w: %q (want one of %s)", ErrBadValue, v, strings.Join(PoseModels, ", "))
	}
	return nil
}

// SanitizeText rejects invalid UTF-8, drops control characters except \n and \t,
// and truncates to MaxPromptBytes on a rune boundary.
func SanitizeText(v string) (string, error) {
	if !utf8.ValidString(v) {
		return "", fmt.Errorf("%w: not valid UTF-8", ErrBadValue)
	}
	v = strings.Map(func(r rune) rune {
		if r < 0x20 && r != '\n' && r != '\t' || r == 0x7f {
			return -1
		}
		return r
	}, v)
	if len(v) > MaxPromptBytes {
		cut := MaxPromptBytes
		for cut > 0 && !utf8.RuneStart(v[cut]) {
			cut--
		}
		v = v[:cut]
	}
	return v, nil
}
