package pose

import (
	"math"

	"github.com/vivid-ml/vivid-ml-engine/engine"
)

// Smart-crop constants from tfjs-models movenet constants.ts.
const (
	MinCropKeypointScore = 0.2  // MIN_CROP_KEYPOINT_SCORE
	CropFilterAlpha      = 0.9  // CROP_FILTER_ALPHA
	DefaultMinPoseScore  = 0.25 // DEFAULT_MIN_POSE_SCORE
)

const (
	kLeftShoulder, kRightShoulder = 5, 6
	kLeftHip, kRightHip           = 11, 12
)

// InitCropRegion is tfjs initCropRegion: on the first frame the centred square
// of the image, later the whole image letterboxed to a square.
func InitCropRegion(first bool, w, h int) Box {
	fw, fh := float64(w), float64(h)
	var bh, bw, ymin, xmin float64
	if first == (w > h) {
		// full height: the centred square of a landscape image on the first
		// frame, a portrait image padded left and right later
		bh, bw, ymin, xmin = 1, fh/fw, 0, (fw/2-fh/2)/fw
	} else {
		bh, bw, ymin, xmin = fw/fh, 1, (fh/2-fw/2)/fh, 0
	}
	return Box{YMin: ymin, XMin: xmin, YMax: ymin + bh, XMax: xmin + bw}
}

// torsoVisible is tfjs torsoVisible: a hip and a shoulder above MinCropKeypointScore.
func torsoVisible(k *[17]engine.Keypoint) bool {
	return (k[kLeftHip].Score > MinCropKeypointScore || k[kRightHip].Score > MinCropKeypointScore) &&
		(k[kLeftShoulder].Score > MinCropKeypointScore || k[kRightShoulder].Score > MinCropKeypointScore)
}

// NextCropRegion is tfjs determineNextCropRegion: a square around the hips sized
// by the torso (×1.9) and body (×1.2) extents, or the InitCropRegion fallback.
// Keypoints are normalized to the image.
func NextCropRegion(k *[17]engine.Keypoint, w, h int) Box {
	fw, fh := float64(w), float64(h)
	if !torsoVisible(k) {
		return InitCropRegion(false, w, h)
	}
	py := func(i int) float64 { return float64(k[i].Y) * fh }
	px := func(i int) float64 { return float64(k[i].X) * fw }
	cy := (py(kLeftHip) + py(kRightHip)) / 2
	cx := (px(kLeftHip) + px(kRightHip)) / 2
	var torsoY, torsoX, bodyY, bodyX float64
	for _, i := range []int{kLeftShoulder, kRightShoulder, kLeftHip, kRightHip} {
		torsoY = math.Max(torsoY, math.Abs(cy-py(i)))
		torsoX = math.Max(torsoX, math.Abs(cx-px(i)))
	}
	for i := range k {
		if k[i].Score < MinCropKeypointScore {
			continue
		}
		bodyY = math.Max(bodyY, math.Abs(cy-py(i)))
		bodyX = math.Max(bodyX, math.Abs(cx-px(i)))
	}
	half := math.Max(math.Max(torsoX*1.9, torsoY*1.9), math.Max(bodyY*1.2, bodyX*1.2))
	half = math.Min(half, math.Max(math.Max(cx, fw-cx), math.Max(cy, fh-cy)))
	if half > math.Max(fw, fh)/2 {
		return InitCropRegion(false, w, h)
	}
	y0, x0 := cy-half, cx-half
	return Box{YMin: y0 / fh, XMin: x0 / fw, YMax: (y0 + 2*half) / fh, XMax: (x0 + 2*half) / fw}
}

// cropFilter low-passes the four crop edges (tfjs filterCropRegion).
type cropFilter struct{ ymin, xmin, ymax, xmax lowPass }

func newCropFilter() *cropFilter {
	f := &cropFilter{}
	for _, l := range []*lowPass{&f.ymin, &f.xmin, &f.ymax, &f.xmax} {
		l.alpha = CropFilterAlpha
	}
	return f
}

func (f *cropFilter) apply(b Box) Box {
	return Box{YMin: f.ymin.apply(b.YMin), XMin: f.xmin.apply(b.XMin), YMax: f.ymax.apply(b.YMax), XMax: f.xmax.apply(b.XMax)}
}

func (f *cropFilter) reset() {
	f.ymin.reset()
	f.xmin.reset()
	f.ymax.reset()
	f.xmax.reset()
}
