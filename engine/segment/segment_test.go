package segment

import (
	"errors"
	"image"
	"math"
	"strings"
	"testing"

	"github.com/vivid-ml/vivid-ml-engine/engine/infer"
)

// fakeModel is an infer.Model whose Run is a function field.
type fakeModel struct {
	ins, outs []infer.IO
	run       func(in, out []*infer.Tensor) error
}

func (f *fakeModel) Inputs() []infer.IO                { return f.ins }
func (f *fakeModel) Outputs() []infer.IO               { return f.outs }
func (f *fakeModel) Run(in, out []*infer.Tensor) error { return f.run(in, out) }
func (f *fakeModel) Provider() string                  { return "fake" }
func (f *fakeModel) Close() error                      { return nil }

type fakeBackend struct {
	m   infer.Model
	err error
}

func (b fakeBackend) Name() string                         { return "fake" }
func (b fakeBackend) Open(infer.Spec) (infer.Model, error) { return b.m, b.err }

func io(shape ...int64) []infer.IO { return []infer.IO{{Name: "x", Elem: infer.Float32, Shape: shape}} }

func TestInputTensor(t *testing.T) {
	img := image.NewRGBA(image.Rect(0, 0, 4, 2))
	for i := range 8 {
		img.Pix[4*i] = byte(10 * i) // red = 0,10,20,30 / 40,50,60,70
	}
	for _, c := range []struct {
		name string
		w, h int
		want []float32 // red channel ×255
	}{
		{"identity", 4, 2, []float32{0, 10, 20, 30, 40, 50, 60, 70}},
		{"half width", 2, 1, []float32{0, 20}},                          // samples x = 0, 2
		{"double width", 8, 1, []float32{0, 5, 10, 15, 20, 25, 30, 15}}, // x = 3.5 blends with the zero border
		{"double height", 1, 4, []float32{0, 20, 40, 20}},               // y = 0, .5, 1, 1.5
	} {
		t.Run(c.name, func(t *testing.T) {
			dst := make([]float32, c.w*c.h*3)
			InputTensor(dst, img, c.w, c.h)
			for i, want := range c.want {
				if got := dst[3*i] * 255; math.Abs(float64(got-want)) > 1e-4 {
					t.Errorf("pixel %d = %v, want %v", i, got, want)
				}
			}
		})
	}
}

func TestResizeMask(t *testing.T) {
	k := &Mask{W: 2, H: 2, V: []float32{0, 1, 1, 0}}
	for _, c := range []struct {
		name string
		w, h int
		want []float32
	}{
		{"same", 2, 2, []float32{0, 1, 1, 0}},
		{"double", 4, 1, []float32{0, 0.5, 1, 1}}, // x = 0, .5, 1, 1.5 (the far neighbour clamped)
		{"down", 1, 1, []float32{0}},
	} {
		t.Run(c.name, func(t *testing.T) {
			got := ResizeMask(k, c.w, c.h)
			for i, want := range c.want {
				if math.Abs(float64(got.V[i]-want)) > 1e-6 {
					t.Errorf("value %d = %v, want %v", i, got.V[i], want)
				}
			}
		})
	}
}

func TestMeetSoftmaxAndGray(t *testing.T) {
	logits := []float32{0, 0, 0, 4, 4, 0, -1, 1}
	m := &fakeModel{ins: io(1, 2, 2, 3), outs: io(1, 2, 2, 2), run: func(in, out []*infer.Tensor) error {
		copy(out[0].F32, logits)
		return nil
	}}
	s, err := Open(fakeBackend{m: m}, "meet.onnx")
	if err != nil {
		t.Fatal(err)
	}
	k, err := s.Segment(image.NewRGBA(image.Rect(0, 0, 2, 2)))
	if err != nil {
		t.Fatal(err)
	}
	want := []float32{0.5, 0.98201376, 0.01798621, 0.880797}
	for i := range want {
		if math.Abs(float64(k.V[i]-want[i])) > 1e-6 {
			t.Errorf("mask %d = %v, want %v", i, k.V[i], want[i])
		}
	}
	if g := k.Gray().Pix; g[0] != 128 || g[1] != 250 || g[2] != 5 || g[3] != 225 {
		t.Errorf("gray = %v", g)
	}
}

func TestOpenErrors(t *testing.T) {
	for _, c := range []struct {
		name string
		b    fakeBackend
		want string
	}{
		{"backend", fakeBackend{err: errors.New("boom")}, "boom"},
		{"dynamic input", fakeBackend{m: &fakeModel{ins: io(1, -1, 256, 3), outs: io(1, 256, 256, 1)}}, "not a segmentation model: x.onnx"},
		{"three channels out", fakeBackend{m: &fakeModel{ins: io(1, 4, 4, 3), outs: io(1, 4, 4, 3)}}, "output has 3 channels"},
		{"int input", fakeBackend{m: &fakeModel{ins: []infer.IO{{Elem: infer.Int32, Shape: []int64{1, 4, 4, 3}}}, outs: io(1, 4, 4, 1)}}, "not a segmentation model"},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := Open(c.b, "x.onnx")
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("err = %v, want %q", err, c.want)
			}
		})
	}
}
