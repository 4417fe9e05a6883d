package engine

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

	PoseModel     string  // movenet-lightning | movenet-thunder | movenet-multipose
	PoseMinScore  float64 // keypoint score threshold
	PoseSmoothing bool    // One Euro filter on keypoints

	PoseEnabled      bool
	DiffusionEnabled bool
	Paused           bool
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
	}
}
