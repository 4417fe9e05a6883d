package pose

import (
	"errors"
	"image"
	"math"
	"testing"
	"time"

	"github.com/vivid-ml/vivid-ml-engine/engine"
)

// fakeModel is a Model whose output is a function field.
type fakeModel struct {
	infer func(in []int32, h, w int) ([]float32, error)
}

func (f *fakeModel) Infer(in []int32, h, w int) ([]float32, error) { return f.infer(in, h, w) }

func noise(w, h int) *image.RGBA {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for i := range img.Pix {
		img.Pix[i] = uint8(i*7919 + i/3)
	}
	return img
}

func TestCropAndResizeIdentity(t *testing.T) {
	img := noise(192, 192)
	out := make([]int32, 192*192*3)
	CropAndResize(img, InitCropRegion(true, 192, 192), 192, 192, out)
	for y := 0; y < 192; y++ {
		for x := 0; x < 192; x++ {
			for c := 0; c < 3; c++ {
				if got, want := out[(y*192+x)*3+c], int32(img.Pix[img.PixOffset(x, y)+c]); got != want {
					t.Fatalf("pixel %d,%d,%d = %d; want %d", x, y, c, got, want)
				}
			}
		}
	}
}

func TestCropAndResizePadsOutside(t *testing.T) {
	img := image.NewRGBA(image.Rect(0, 0, 4, 2))
	for i := range img.Pix {
		img.Pix[i] = 200
	}
	out := make([]int32, 4*4*3)
	// Letterbox: the 4x2 image in the middle of a square, zero above and below.
	CropAndResize(img, InitCropRegion(false, 4, 2), 4, 4, out)
	want := []int32{0, 200, 200, 0} // rows: y=-0.5 (out), 0.5→ in, in, 2.5 out... per row value
	for y := 0; y < 4; y++ {
		if out[y*12] != want[y] {
			t.Fatalf("row %d = %d; want %d (all %v)", y, out[y*12], want[y], out)
		}
	}
}

func TestResizePad(t *testing.T) {
	img := image.NewRGBA(image.Rect(0, 0, 2, 1))
	copy(img.Pix, []uint8{0, 0, 0, 255, 100, 100, 100, 255})
	out := make([]int32, 1*4*3)
	// 2 → 4 wide: src x = 0, 0.5, 1, 1.5 (clamped right neighbour) → 0, 50, 100, 100; padded to width 4.
	ResizePad(img, 1, 4, 1, 4, out)
	got := []int32{out[0], out[3], out[6], out[9]}
	want := []int32{0, 50, 100, 100}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("resized = %v; want %v", got, want)
		}
	}
	pad := make([]int32, 2*4*3)
	ResizePad(img, 1, 4, 2, 4, pad)
	for _, v := range pad[12:] {
		if v != 0 {
			t.Fatalf("padding not zero: %v", pad)
		}
	}
}

func TestInitCropRegion(t *testing.T) {
	tests := []struct {
		name  string
		first bool
		w, h  int
		want  Box
	}{
		{"square", true, 100, 100, Box{0, 0, 1, 1}},
		{"landscape first: centre square", true, 200, 100, Box{0, 0.25, 1, 0.75}},
		{"landscape later: letterbox", false, 200, 100, Box{-0.5, 0, 1.5, 1}},
		{"portrait first: centre square", true, 100, 200, Box{0.25, 0, 0.75, 1}},
		{"portrait later: pillarbox", false, 100, 200, Box{0, -0.5, 1, 1.5}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := InitCropRegion(tt.first, tt.w, tt.h); got != tt.want {
				t.Fatalf("got %+v; want %+v", got, tt.want)
			}
		})
	}
}

func TestNextCropRegion(t *testing.T) {
	var k [17]engine.Keypoint
	// A small person around the image centre of a 100x100 image.
	for i := range k {
		k[i] = engine.Keypoint{X: 0.5, Y: 0.5, Score: 0.9}
	}
	k[kLeftShoulder] = engine.Keypoint{X: 0.45, Y: 0.4, Score: 0.9}
	k[kRightShoulder] = engine.Keypoint{X: 0.55, Y: 0.4, Score: 0.9}
	k[kLeftHip] = engine.Keypoint{X: 0.47, Y: 0.5, Score: 0.9}
	k[kRightHip] = engine.Keypoint{X: 0.53, Y: 0.5, Score: 0.9}
	got := NextCropRegion(&k, 100, 100)
	// torso y range 10 px × 1.9 = 19 px half side around (50, 50).
	want := Box{0.31, 0.31, 0.69, 0.69}
	for i, v := range []float64{got.YMin - want.YMin, got.XMin - want.XMin, got.YMax - want.YMax, got.XMax - want.XMax} {
		if math.Abs(v) > 1e-6 {
			t.Fatalf("edge %d: got %+v; want %+v", i, got, want)
		}
	}
	k[kLeftHip].Score, k[kRightHip].Score = 0.1, 0.1
	if got := NextCropRegion(&k, 100, 100); got != (Box{0, 0, 1, 1}) {
		t.Fatalf("torso hidden: got %+v; want full image", got)
	}
}

func TestOneEuro(t *testing.T) {
	f := NewOneEuro(KeypointFilterConfig)
	if v := f.Apply(0.5, 1_000_000); v != 0.5 {
		t.Fatalf("first value = %v; want unchanged 0.5", v)
	}
	if v := f.Apply(0.9, 1_000_000); v != 0.9 {
		t.Fatalf("same timestamp = %v; want input returned", v)
	}
	v := f.Apply(0.6, 1_033_333)
	if !(v > 0.5 && v < 0.6) {
		t.Fatalf("step = %v; want between 0.5 and 0.6", v)
	}
	for i := 2; i < 200; i++ {
		v = f.Apply(0.6, 1_000_000+int64(i)*33_333)
	}
	if math.Abs(v-0.6) > 1e-6 {
		t.Fatalf("steady state = %v; want 0.6", v)
	}
}

func person(x0, y0, x1, y1 float32) engine.Person {
	return engine.Person{Score: 0.9, Box: [4]float32{x0, y0, x1, y1}}
}

func TestTrackerStableIDsAndLost(t *testing.T) {
	tr := NewTracker(DefaultTrackerConfig())
	t0 := time.Unix(100, 0)
	people := []engine.Person{person(0.1, 0.1, 0.3, 0.9), person(0.6, 0.1, 0.8, 0.9)}
	if lost := tr.Apply(people, t0); len(lost) != 0 || people[0].ID != 1 || people[1].ID != 2 {
		t.Fatalf("first frame IDs %d %d lost %v; want 1 2 []", people[0].ID, people[1].ID, lost)
	}
	// Moved slightly and listed in the other order.
	people = []engine.Person{person(0.62, 0.1, 0.82, 0.9), person(0.12, 0.1, 0.32, 0.9)}
	tr.Apply(people, t0.Add(33*time.Millisecond))
	if people[0].ID != 2 || people[1].ID != 1 {
		t.Fatalf("IDs %d %d; want 2 1", people[0].ID, people[1].ID)
	}
	// Only person 1 stays; 2 is lost after MaxAge.
	for i := 2; i < 40; i++ {
		people = []engine.Person{person(0.12, 0.1, 0.32, 0.9)}
		lost := tr.Apply(people, t0.Add(time.Duration(i)*33*time.Millisecond))
		if people[0].ID != 1 {
			t.Fatalf("frame %d: ID %d; want 1", i, people[0].ID)
		}
		if i*33 > 1033 && i*33 <= 1066 && (len(lost) != 1 || lost[0] != 2) {
			t.Fatalf("frame %d: lost %v; want [2]", i, lost)
		}
	}
	// A new person gets a fresh ID, never a reused one.
	people = []engine.Person{person(0.12, 0.1, 0.32, 0.9), person(0.6, 0.1, 0.8, 0.9)}
	tr.Apply(people, t0.Add(1400*time.Millisecond))
	if people[1].ID != 3 {
		t.Fatalf("new person ID %d; want 3", people[1].ID)
	}
}

func TestTrackerKeypointSimilarity(t *testing.T) {
	cfg := DefaultTrackerConfig()
	cfg.Keypoint, cfg.MinSimilarity = true, 0.2
	tr := NewTracker(cfg)
	mk := func(dx float32) []engine.Person {
		var p engine.Person
		for i := range p.Keypoints {
			p.Keypoints[i] = engine.Keypoint{X: 0.3 + dx + float32(i%3)*0.05, Y: 0.2 + float32(i)*0.03, Score: 0.9}
		}
		return []engine.Person{p}
	}
	t0 := time.Unix(1, 0)
	a := mk(0)
	tr.Apply(a, t0)
	b := mk(0.005)
	tr.Apply(b, t0.Add(time.Millisecond))
	c := mk(0.5)
	tr.Apply(c, t0.Add(2*time.Millisecond))
	if a[0].ID != 1 || b[0].ID != 1 || c[0].ID != 2 {
		t.Fatalf("IDs %d %d %d; want 1 1 2", a[0].ID, b[0].ID, c[0].ID)
	}
}

func singleOutput(y, x, score float32) []float32 {
	out := make([]float32, 51)
	for i := 0; i < 17; i++ {
		out[i*3], out[i*3+1], out[i*3+2] = y, x, score
	}
	return out
}

func TestEstimatorSingleMapsCrop(t *testing.T) {
	var gotH, gotW int
	m := &fakeModel{infer: func(in []int32, h, w int) ([]float32, error) {
		gotH, gotW = h, w
		return singleOutput(0.5, 0.25, 0.8), nil
	}}
	e := NewEstimator(Specs["movenet-lightning"], m, DefaultOptions())
	people, lost, err := e.Estimate(noise(400, 200), time.Time{})
	if err != nil || len(people) != 1 || len(lost) != 0 {
		t.Fatalf("people %v lost %v err %v", people, lost, err)
	}
	if gotH != 192 || gotW != 192 {
		t.Fatalf("model input %dx%d; want 192x192", gotW, gotH)
	}
	// First frame crop of a 2:1 image is the centre square x ∈ [0.25, 0.75].
	k := people[0].Keypoints[0]
	if k.X != 0.375 || k.Y != 0.5 || k.Score != 0.8 || math.Abs(float64(people[0].Score)-0.8) > 1e-6 {
		t.Fatalf("keypoint %+v score %v; want x 0.375 y 0.5 score 0.8", k, people[0].Score)
	}
}

func TestEstimatorSingleLost(t *testing.T) {
	score := float32(0.8)
	m := &fakeModel{infer: func([]int32, int, int) ([]float32, error) { return singleOutput(0.5, 0.5, score), nil }}
	e := NewEstimator(Specs["movenet-thunder"], m, DefaultOptions())
	ts := time.Unix(10, 0)
	if p, _, _ := e.Estimate(noise(64, 64), ts); len(p) != 1 {
		t.Fatal("no person")
	}
	score = 0.1
	p, lost, err := e.Estimate(noise(64, 64), ts.Add(time.Second/30))
	if err != nil || len(p) != 0 || len(lost) != 1 || lost[0] != 0 {
		t.Fatalf("people %v lost %v err %v; want none, [0]", p, lost, err)
	}
}

func TestEstimatorMulti(t *testing.T) {
	var gotH, gotW int
	m := &fakeModel{infer: func(in []int32, h, w int) ([]float32, error) {
		gotH, gotW = h, w
		out := make([]float32, 6*56)
		for i := 0; i < 6; i++ {
			o := out[i*56:]
			for j := 0; j < 17; j++ {
				o[j*3], o[j*3+1], o[j*3+2] = 0.5, 0.1+float32(i)*0.15, 0.9
			}
			o[51], o[52], o[53], o[54] = 0.2, 0.05+float32(i)*0.15, 0.6, 0.15+float32(i)*0.15
			o[55] = 0.1
			if i < 2 {
				o[55] = 0.7
			}
		}
		return out, nil
	}}
	e := NewEstimator(Specs["movenet-multipose"], m, DefaultOptions())
	people, _, err := e.Estimate(noise(640, 480), time.Unix(5, 0))
	if err != nil || len(people) != 2 {
		t.Fatalf("people %d err %v; want 2", len(people), err)
	}
	// 640x480 → 256x192 (already a multiple of 32): no padding, no rescale.
	if gotW != 256 || gotH != 192 {
		t.Fatalf("model input %dx%d; want 256x192", gotW, gotH)
	}
	if people[0].ID != 1 || people[1].ID != 2 || people[0].Box != [4]float32{0.05, 0.2, 0.15, 0.6} {
		t.Fatalf("people %+v", people)
	}
	// 640x400 → 256x160: 160 is a multiple of 32 too; 640x360 → 256x144 padded to 160.
	if _, _, err := e.Estimate(noise(640, 360), time.Unix(6, 0)); err != nil || gotH != 160 {
		t.Fatalf("padded height %d err %v; want 160", gotH, err)
	}
}

func TestEstimatorErrors(t *testing.T) {
	bad := &fakeModel{infer: func([]int32, int, int) ([]float32, error) { return make([]float32, 10), nil }}
	e := NewEstimator(Specs["movenet-lightning"], bad, DefaultOptions())
	if _, _, err := e.Estimate(noise(8, 8), time.Time{}); !errors.Is(err, ErrOutputShape) ||
		err.Error() != "unexpected pose model output size: 10 values, want 51" {
		t.Fatalf("err = %v", err)
	}
	if _, err := LookupSpec("posenet"); err == nil ||
		err.Error() != `unknown pose model "posenet" (known: [movenet-lightning movenet-multipose movenet-thunder])` {
		t.Fatalf("err = %v", err)
	}
}

// TestEstimatorSmartCropFollowsBody: once the torso is visible the next crop is a
// square around the hips (smaller than the image), and it resets when the person is lost.
func TestEstimatorSmartCropFollowsBody(t *testing.T) {
	score := float32(0.9)
	var crops []Box
	var e *Estimator
	m := &fakeModel{infer: func([]int32, int, int) ([]float32, error) {
		crops = append(crops, *e.crop)
		out := singleOutput(0.5, 0.5, score)
		out[kLeftShoulder*3], out[kRightShoulder*3] = 0.4, 0.4
		out[kLeftShoulder*3+1], out[kRightShoulder*3+1] = 0.45, 0.55
		out[kLeftHip*3+1], out[kRightHip*3+1] = 0.47, 0.53
		return out, nil
	}}
	e = NewEstimator(Specs["movenet-lightning"], m, DefaultOptions())
	img := noise(100, 100)
	ts := time.Unix(50, 0)
	for i := 0; i < 3; i++ {
		if _, _, err := e.Estimate(img, ts.Add(time.Duration(i)*33*time.Millisecond)); err != nil {
			t.Fatal(err)
		}
	}
	if crops[0] != (Box{0, 0, 1, 1}) {
		t.Fatalf("first crop %+v; want the whole square image", crops[0])
	}
	if !(crops[1].Width() < 1 && crops[1].Width() > 0 && crops[2].Width() < 1) {
		t.Fatalf("crops %+v; want them to shrink around the body", crops)
	}
	score = 0.1
	if p, lost, _ := e.Estimate(img, ts.Add(time.Second)); len(p) != 0 || len(lost) != 1 || e.crop != nil {
		t.Fatalf("after losing the person: people %v lost %v crop %v", p, lost, e.crop)
	}
}
