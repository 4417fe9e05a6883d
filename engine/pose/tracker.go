package pose

import (
	"math"
	"slices"
	"time"

	"github.com/vivid-ml/vivid-ml-engine/engine"
)

// TrackerConfig follows tfjs DEFAULT_BOUNDING_BOX_TRACKER_CONFIG and
// DEFAULT_KEYPOINT_TRACKER_CONFIG (movenet constants.ts).
type TrackerConfig struct {
	Keypoint      bool          // OKS keypoint similarity instead of box IoU
	MaxTracks     int           // 18
	MaxAge        time.Duration // 1 s: a track unseen this long is lost
	MinSimilarity float64       // 0.15 box, 0.2 keypoint
	// Keypoint tracker parameters.
	KeypointThreshold float64 // 0.3
	MinKeypoints      int     // 4
}

// DefaultTrackerConfig is tfjs' default MultiPose tracker (bounding box).
func DefaultTrackerConfig() TrackerConfig {
	return TrackerConfig{MaxTracks: 18, MaxAge: time.Second, MinSimilarity: 0.15, KeypointThreshold: 0.3, MinKeypoints: 4}
}

// keypointFalloff are the COCO per-keypoint falloffs used by OKS.
var keypointFalloff = [17]float64{0.026, 0.025, 0.025, 0.035, 0.035, 0.079, 0.079, 0.072, 0.072, 0.062, 0.062, 0.107, 0.107, 0.087, 0.087, 0.089, 0.089}

type track struct {
	id   int
	last time.Time
	box  [4]float32
	kps  [17]engine.Keypoint
}

// Tracker gives detections stable IDs across frames (tfjs Tracker): greedy
// matching by similarity, new IDs count up and are never reused, tracks unseen
// for MaxAge are dropped and reported lost.
type Tracker struct {
	cfg    TrackerConfig
	tracks []track
	nextID int
}

// NewTracker returns an empty tracker.
func NewTracker(cfg TrackerConfig) *Tracker { return &Tracker{cfg: cfg, nextID: 1} }

// Apply sets people[i].ID and returns the IDs of tracks lost at time now.
func (t *Tracker) Apply(people []engine.Person, now time.Time) (lost []int) {
	t.tracks = slices.DeleteFunc(t.tracks, func(tr track) bool {
		if now.Sub(tr.last) > t.cfg.MaxAge {
			lost = append(lost, tr.id)
			return true
		}
		return false
	})
	unmatched := make([]bool, len(t.tracks))
	for i := range unmatched {
		unmatched[i] = true
	}
	var spawn []int
	for d := range people {
		best, bestSim := -1, -1.0
		for i := range t.tracks {
			if !unmatched[i] {
				continue
			}
			s := t.similarity(&people[d], &t.tracks[i])
			if s >= t.cfg.MinSimilarity && s > bestSim {
				best, bestSim = i, s
			}
		}
		if best < 0 {
			spawn = append(spawn, d)
			continue
		}
		unmatched[best] = false
		tr := &t.tracks[best]
		tr.last, tr.box, tr.kps = now, people[d].Box, people[d].Keypoints
		people[d].ID = tr.id
	}
	for _, d := range spawn {
		id := t.nextID
		t.nextID++
		t.tracks = append(t.tracks, track{id: id, last: now, box: people[d].Box, kps: people[d].Keypoints})
		people[d].ID = id
	}
	slices.SortStableFunc(t.tracks, func(a, b track) int { return b.last.Compare(a.last) })
	if len(t.tracks) > t.cfg.MaxTracks {
		for _, tr := range t.tracks[t.cfg.MaxTracks:] {
			lost = append(lost, tr.id)
		}
		t.tracks = t.tracks[:t.cfg.MaxTracks]
	}
	return lost
}

// IDs returns the IDs of live tracks.
func (t *Tracker) IDs() []int {
	ids := make([]int, len(t.tracks))
	for i, tr := range t.tracks {
		ids[i] = tr.id
	}
	return ids
}

// Reset drops every track (IDs keep counting up) and returns their IDs.
func (t *Tracker) Reset() []int {
	ids := t.IDs()
	t.tracks = nil
	return ids
}

func (t *Tracker) similarity(p *engine.Person, tr *track) float64 {
	if t.cfg.Keypoint {
		return t.oks(p, tr)
	}
	return iou(p.Box, tr.box)
}

// iou of two [x0,y0,x1,y1] boxes (tfjs BoundingBoxTracker.iou).
func iou(a, b [4]float32) float64 {
	x0, y0 := math.Max(float64(a[0]), float64(b[0])), math.Max(float64(a[1]), float64(b[1]))
	x1, y1 := math.Min(float64(a[2]), float64(b[2])), math.Min(float64(a[3]), float64(b[3]))
	if x0 >= x1 || y0 >= y1 {
		return 0
	}
	inter := (x1 - x0) * (y1 - y0)
	areaA := float64(a[2]-a[0]) * float64(a[3]-a[1])
	areaB := float64(b[2]-b[0]) * float64(b[3]-b[1])
	return inter / (areaA + areaB - inter)
}

// oks is tfjs KeypointTracker.oks: object keypoint similarity against the track.
func (t *Tracker) oks(p *engine.Person, tr *track) float64 {
	minX, maxX, minY, maxY := 1.0, 0.0, 1.0, 0.0
	for _, k := range tr.kps {
		if float64(k.Score) > t.cfg.KeypointThreshold {
			minX, maxX = math.Min(minX, float64(k.X)), math.Max(maxX, float64(k.X))
			minY, maxY = math.Min(minY, float64(k.Y)), math.Max(maxY, float64(k.Y))
		}
	}
	area := (maxX-minX)*(maxY-minY) + 1e-6
	total, n := 0.0, 0
	for i := range p.Keypoints {
		a, b := p.Keypoints[i], tr.kps[i]
		if float64(a.Score) < t.cfg.KeypointThreshold || float64(b.Score) < t.cfg.KeypointThreshold {
			continue
		}
		n++
		d2 := math.Pow(float64(a.X-b.X), 2) + math.Pow(float64(a.Y-b.Y), 2)
		x := 2 * keypointFalloff[i]
		total += math.Exp(-d2 / (2 * area * x * x))
	}
	if n < t.cfg.MinKeypoints {
		return 0
	}
	return total / float64(n)
}
