package pose

import (
	"math"
	"time"

	"github.com/vivid-ml/vivid-ml-engine/engine"
)

// FilterConfig holds One Euro filter constants, as tfjs OneEuroFilterConfig.
type FilterConfig struct {
	Frequency, MinCutOff, Beta, DerivateCutOff, ThresholdCutOff, ThresholdBeta float64
}

// KeypointFilterConfig is tfjs-models movenet KEYPOINT_FILTER_CONFIG (constants.ts
// since MoveNet v4; the older 6.36/636.61/4.77 values were replaced upstream).
// Applied on normalized coordinates without value scaling.
var KeypointFilterConfig = FilterConfig{
	Frequency: 30, MinCutOff: 2.5, Beta: 300, DerivateCutOff: 2.5,
	ThresholdCutOff: 0.5, ThresholdBeta: 5,
}

// lowPass is tfjs LowPassFilter, with the optional asinh threshold.
type lowPass struct {
	alpha       float64
	initialized bool
	raw, stored float64
}

func (f *lowPass) apply(v float64) float64 { return f.applyThreshold(v, math.NaN()) }

// applyThreshold filters v; a NaN threshold means the plain low pass.
func (f *lowPass) applyThreshold(v, threshold float64) float64 {
	r := v
	if f.initialized {
		if math.IsNaN(threshold) {
			r = f.stored + f.alpha*(v-f.stored)
		} else {
			r = f.stored + f.alpha*threshold*math.Asinh((v-f.stored)/threshold)
		}
	}
	f.initialized = true
	f.raw, f.stored = v, r
	return r
}

func (f *lowPass) reset() { f.initialized = false }

// OneEuro is tfjs OneEuroFilter (after mediapipe one_euro_filter.cc): a low pass
// whose cutoff rises with speed, with the asinh threshold on large jumps.
type OneEuro struct {
	cfg       FilterConfig
	frequency float64
	lastUs    int64
	x, dx     lowPass
}

// NewOneEuro returns a filter with the given constants.
func NewOneEuro(cfg FilterConfig) *OneEuro {
	f := &OneEuro{cfg: cfg, frequency: cfg.Frequency}
	f.x.alpha = f.alpha(cfg.MinCutOff)
	f.dx.alpha = f.alpha(cfg.DerivateCutOff)
	return f
}

// Apply filters one value at timestamp us (microseconds). A timestamp that does
// not advance returns the value unchanged, as upstream.
func (f *OneEuro) Apply(v float64, us int64) float64 {
	if f.lastUs >= us {
		return v
	}
	if f.lastUs != 0 && us != 0 {
		f.frequency = 1 / (float64(us-f.lastUs) * 1e-6)
	}
	f.lastUs = us
	d := 0.0
	if f.x.initialized {
		d = (v - f.x.raw) * f.frequency
	}
	f.dx.alpha = f.alpha(f.cfg.DerivateCutOff)
	ed := f.dx.apply(d)
	cutoff := f.cfg.MinCutOff + f.cfg.Beta*math.Abs(ed)
	threshold := f.cfg.ThresholdCutOff + f.cfg.ThresholdBeta*math.Abs(ed)
	f.x.alpha = f.alpha(cutoff)
	return f.x.applyThreshold(v, threshold)
}

func (f *OneEuro) alpha(cutoff float64) float64 {
	return 1 / (1 + f.frequency/(2*math.Pi*cutoff))
}

// KeypointsFilter smooths x and y of 17 keypoints, one OneEuro per axis (tfjs
// KeypointsOneEuroFilter with disableValueScaling). Scores pass through.
type KeypointsFilter struct {
	cfg  FilterConfig
	x, y []*OneEuro
}

// NewKeypointsFilter returns an empty filter; it initializes on first use.
func NewKeypointsFilter(cfg FilterConfig) *KeypointsFilter { return &KeypointsFilter{cfg: cfg} }

// Apply filters kps in place at time ts.
func (k *KeypointsFilter) Apply(kps *[17]engine.Keypoint, ts time.Time) {
	if k.x == nil {
		k.x, k.y = make([]*OneEuro, 17), make([]*OneEuro, 17)
		for i := range k.x {
			k.x[i], k.y[i] = NewOneEuro(k.cfg), NewOneEuro(k.cfg)
		}
	}
	us := ts.UnixMicro()
	for i := range kps {
		kps[i].X = float32(k.x[i].Apply(float64(kps[i].X), us))
		kps[i].Y = float32(k.y[i].Apply(float64(kps[i].Y), us))
	}
}

// Reset forgets the filter state.
func (k *KeypointsFilter) Reset() { k.x, k.y = nil, nil }
