package pose

import (
	"fmt"
	"image"
	"math"
	"time"

	"github.com/vivid-ml/vivid-ml-engine/engine"
)

// Options tune an Estimator. The zero value is not useful: start from DefaultOptions.
type Options struct {
	MinPoseScore    float32 // people below are dropped (tfjs DEFAULT_MIN_POSE_SCORE 0.25)
	Smoothing       bool    // One Euro filter on keypoints (needs frame timestamps)
	MultiPoseMaxDim int     // MultiPose input longest side, multiple of 32 (256)
	Tracker         TrackerConfig
}

// DefaultOptions are tfjs' MoveNet defaults.
func DefaultOptions() Options {
	return Options{MinPoseScore: DefaultMinPoseScore, Smoothing: true, MultiPoseMaxDim: 256, Tracker: DefaultTrackerConfig()}
}

// Estimator runs one MoveNet model frame after frame and keeps the per-stream
// state: the single-pose crop region and filters, or the MultiPose tracker. It
// is not safe for concurrent use.
type Estimator struct {
	spec  Spec
	model Model
	opt   Options
	buf   []int32

	// single pose
	crop       *Box
	cropFilter *cropFilter
	kpFilter   *KeypointsFilter
	present    bool

	// multi pose
	tracker *Tracker
	filters map[int]*KeypointsFilter
}

// NewEstimator returns an estimator for model m of the given spec.
func NewEstimator(spec Spec, m Model, o Options) *Estimator {
	if o.MultiPoseMaxDim <= 0 {
		o.MultiPoseMaxDim = 256
	}
	if o.Tracker.MaxTracks <= 0 {
		o.Tracker = DefaultTrackerConfig()
	}
	return &Estimator{
		spec: spec, model: m, opt: o,
		cropFilter: newCropFilter(), kpFilter: NewKeypointsFilter(KeypointFilterConfig),
		tracker: NewTracker(o.Tracker), filters: map[int]*KeypointsFilter{},
	}
}

// SetSmoothing switches the keypoint filter on or off between frames.
func (e *Estimator) SetSmoothing(on bool) { e.opt.Smoothing = on }

// Estimate finds people in img captured at ts (zero ts: no smoothing, as tfjs
// without a timestamp). Keypoints and boxes are normalized to img, origin
// top-left. lost lists IDs that disappeared with this frame.
func (e *Estimator) Estimate(img *image.RGBA, ts time.Time) (people []engine.Person, lost []int, err error) {
	if img.Rect.Dx() < 1 || img.Rect.Dy() < 1 {
		return nil, nil, fmt.Errorf("pose: empty image %v", img.Rect)
	}
	if e.spec.Kind == Multi {
		return e.estimateMulti(img, ts)
	}
	return e.estimateSingle(img, ts)
}

// input returns the buffer for an h×w model input: the model's own when it
// lends one (inputBuffer), else the estimator's.
func (e *Estimator) input(h, w int) ([]int32, error) {
	if ib, ok := e.model.(inputBuffer); ok {
		in, err := ib.InputBuffer(h, w)
		if err != nil {
			return nil, fmt.Errorf("pose: %w", err)
		}
		return in, nil
	}
	n := h * w * 3
	if cap(e.buf) < n {
		e.buf = make([]int32, n)
	}
	return e.buf[:n], nil
}

// estimateSingle is tfjs estimateSinglePose: crop, run, map back, smooth, next crop.
func (e *Estimator) estimateSingle(img *image.RGBA, ts time.Time) ([]engine.Person, []int, error) {
	w, h := img.Rect.Dx(), img.Rect.Dy()
	if e.crop == nil {
		c := InitCropRegion(true, w, h)
		e.crop = &c
	}
	side := e.spec.Input
	in, err := e.input(side, side)
	if err != nil {
		return nil, nil, err
	}
	CropAndResize(img, *e.crop, side, side, in)
	out, err := e.model.Infer(in, side, side)
	if err != nil {
		return nil, nil, fmt.Errorf("pose: %w", err)
	}
	if len(out) != 17*3 {
		return nil, nil, fmt.Errorf("%w: %d values, want 51", ErrOutputShape, len(out))
	}
	var p engine.Person
	valid := 0
	for i := range 17 {
		k := engine.Keypoint{Y: out[i*3], X: out[i*3+1], Score: out[i*3+2]}
		if k.Score > MinCropKeypointScore {
			valid++
			p.Score += k.Score
		}
		p.Keypoints[i] = k
	}
	if valid > 0 {
		p.Score /= float32(valid)
	}
	if p.Score < e.opt.MinPoseScore {
		e.resetSingle()
		var lost []int
		if e.present {
			lost = []int{0}
		}
		e.present = false
		return nil, lost, nil
	}
	c := *e.crop
	for i := range p.Keypoints {
		k := &p.Keypoints[i]
		k.Y = float32(c.YMin + float64(k.Y)*c.Height())
		k.X = float32(c.XMin + float64(k.X)*c.Width())
	}
	if e.opt.Smoothing && !ts.IsZero() {
		e.kpFilter.Apply(&p.Keypoints, ts)
	}
	next := e.cropFilter.apply(NextCropRegion(&p.Keypoints, w, h))
	e.crop = &next
	p.Box = keypointBox(&p.Keypoints)
	e.present = true
	return []engine.Person{p}, nil, nil
}

func (e *Estimator) resetSingle() {
	e.crop = nil
	e.kpFilter.Reset()
	e.cropFilter.reset()
}

// keypointBox bounds the keypoints above MinCropKeypointScore (all if none), clamped to 0..1.
func keypointBox(k *[17]engine.Keypoint) [4]float32 {
	b := [4]float32{1, 1, 0, 0}
	for pass := 0; pass < 2 && b[0] > b[2]; pass++ {
		for _, kp := range k {
			if pass == 0 && kp.Score <= MinCropKeypointScore {
				continue
			}
			b[0], b[1] = min(b[0], kp.X), min(b[1], kp.Y)
			b[2], b[3] = max(b[2], kp.X), max(b[3], kp.Y)
		}
	}
	for i := range b {
		b[i] = min(max(b[i], 0), 1)
	}
	return b
}

// estimateMulti is tfjs estimateMultiplePoses: resize the long side, pad to a
// multiple of 32, run, rescale, filter by score, track, smooth per track.
func (e *Estimator) estimateMulti(img *image.RGBA, ts time.Time) ([]engine.Person, []int, error) {
	w, h := img.Rect.Dx(), img.Rect.Dy()
	maxDim := e.opt.MultiPoseMaxDim
	var rw, rh, pw, ph int
	if w > h {
		rw, rh = maxDim, int(math.Round(float64(maxDim)*float64(h)/float64(w)))
		pw, ph = rw, (rh+31)/32*32
	} else {
		rw, rh = int(math.Round(float64(maxDim)*float64(w)/float64(h))), maxDim
		pw, ph = (rw+31)/32*32, rh
	}
	rw, rh = max(rw, 1), max(rh, 1)
	pw, ph = max(pw, 32), max(ph, 32)
	in, err := e.input(ph, pw)
	if err != nil {
		return nil, nil, err
	}
	ResizePad(img, rh, rw, ph, pw, in)
	out, err := e.model.Infer(in, ph, pw)
	if err != nil {
		return nil, nil, fmt.Errorf("pose: %w", err)
	}
	const inst = 17*3 + 5
	if len(out) == 0 || len(out)%inst != 0 {
		return nil, nil, fmt.Errorf("%w: %d values, want a multiple of %d", ErrOutputShape, len(out), inst)
	}
	sy, sx := float32(ph)/float32(rh), float32(pw)/float32(rw)
	var people []engine.Person
	for i := 0; i < len(out)/inst; i++ {
		o := out[i*inst : (i+1)*inst]
		p := engine.Person{Score: o[55]}
		if p.Score < e.opt.MinPoseScore {
			continue
		}
		for j := range 17 {
			p.Keypoints[j] = engine.Keypoint{Y: o[j*3] * sy, X: o[j*3+1] * sx, Score: o[j*3+2]}
		}
		p.Box = [4]float32{o[52] * sx, o[51] * sy, o[54] * sx, o[53] * sy}
		people = append(people, p)
	}
	lost := e.tracker.Apply(people, ts)
	if e.opt.Smoothing && !ts.IsZero() {
		for i := range people {
			f := e.filters[people[i].ID]
			if f == nil {
				f = NewKeypointsFilter(KeypointFilterConfig)
				e.filters[people[i].ID] = f
			}
			f.Apply(&people[i].Keypoints, ts)
		}
	}
	for _, id := range lost {
		delete(e.filters, id)
	}
	return people, lost, nil
}
