package upscale

import (
	"context"
	"errors"
	"image"
	"strings"
	"testing"

	"github.com/vivid-ml/vivid-ml-engine/engine"
	"github.com/vivid-ml/vivid-ml-engine/engine/infer"
)

// fakeModel is an infer.Model whose Run is a function field.
type fakeModel struct {
	ins, outs []infer.IO
	run       func(in, out []*infer.Tensor) error
}

func (f *fakeModel) Inputs() []infer.IO                    { return f.ins }
func (f *fakeModel) Outputs() []infer.IO                   { return f.outs }
func (f *fakeModel) Run(in, out []*infer.Tensor) error     { return f.run(in, out) }
func (f *fakeModel) Provider() string                      { return "fake" }
func (f *fakeModel) Close() error                          { return nil }
func (b fakeBackend) Name() string                         { return "fake" }
func (b fakeBackend) Open(infer.Spec) (infer.Model, error) { return b.m, b.err }

type fakeBackend struct {
	m   infer.Model
	err error
}

var nhwc = []infer.IO{{Name: "x", Elem: infer.Float32, Shape: []int64{-1, -1, -1, 3}}}

// nearest is a ×s nearest-neighbour upscaler: a pointwise model, so tiling must reproduce the
// whole-frame result exactly and a tile pasted at the wrong place shows.
func nearest(s int, calls *int) func(in, out []*infer.Tensor) error {
	return func(in, out []*infer.Tensor) error {
		*calls++
		h, w := int(in[0].Shape[1]), int(in[0].Shape[2])
		for y := range h * s {
			for x := range w * s {
				for c := range 3 {
					out[0].F32[((y*w*s)+x)*3+c] = in[0].F32[((y/s)*w+x/s)*3+c]
				}
			}
		}
		return nil
	}
}

func testFrame(w, h int) *image.RGBA {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for i := range w * h {
		img.Pix[4*i], img.Pix[4*i+1], img.Pix[4*i+2], img.Pix[4*i+3] = byte(i), byte(i*7), byte(i/3), 255
	}
	return img
}

func TestTiles(t *testing.T) {
	for _, c := range []struct {
		name                string
		w, h, size, overlap int
		want                []Tile
	}{
		{"fits", 10, 8, 16, 4, []Tile{{image.Rect(0, 0, 10, 8), image.Rect(0, 0, 10, 8)}}},
		{"untiled", 100, 80, 0, 4, []Tile{{image.Rect(0, 0, 100, 80), image.Rect(0, 0, 100, 80)}}},
		{"two columns", 20, 8, 16, 4, []Tile{
			{image.Rect(0, 0, 16, 8), image.Rect(0, 0, 20, 8)},
			{image.Rect(16, 0, 20, 8), image.Rect(12, 0, 20, 8)}}},
		{"grid", 20, 20, 10, 3, []Tile{
			{image.Rect(0, 0, 10, 10), image.Rect(0, 0, 13, 13)}, {image.Rect(10, 0, 20, 10), image.Rect(7, 0, 20, 13)},
			{image.Rect(0, 10, 10, 20), image.Rect(0, 7, 13, 20)}, {image.Rect(10, 10, 20, 20), image.Rect(7, 7, 20, 20)}}},
	} {
		t.Run(c.name, func(t *testing.T) {
			got := Tiles(c.w, c.h, c.size, c.overlap)
			if len(got) != len(c.want) {
				t.Fatalf("tiles = %v, want %v", got, c.want)
			}
			for i := range got {
				if got[i] != c.want[i] {
					t.Errorf("tile %d = %v, want %v", i, got[i], c.want[i])
				}
			}
		})
	}
}

func TestUpscaleTiledMatchesWhole(t *testing.T) {
	for _, c := range []struct {
		name          string
		scale         int
		rng           float32
		w, h          int
		tile, overlap int
		calls         int
	}{
		{"whole x2", 2, 255, 13, 9, 0, 0, 1},
		{"tiles x2", 2, 255, 13, 9, 4, 2, 12},
		{"tiles x3 range 1", 3, 1, 7, 11, 5, 1, 6},
	} {
		t.Run(c.name, func(t *testing.T) {
			calls := 0
			m := &fakeModel{ins: nhwc, outs: nhwc, run: nearest(c.scale, &calls)}
			u, err := Open(fakeBackend{m: m}, "x.onnx", c.scale, c.rng)
			if err != nil {
				t.Fatal(err)
			}
			u.Tile, u.Overlap = c.tile, c.overlap
			img := testFrame(c.w, c.h)
			out, err := u.Upscale(img)
			if err != nil {
				t.Fatal(err)
			}
			if calls != c.calls {
				t.Errorf("%d model runs, want %d", calls, c.calls)
			}
			if b := out.Bounds(); b.Dx() != c.w*c.scale || b.Dy() != c.h*c.scale {
				t.Fatalf("output %v", b)
			}
			for y := range c.h * c.scale {
				for x := range c.w * c.scale {
					for ch := range 3 {
						if got, want := out.Pix[out.PixOffset(x, y)+ch], img.Pix[img.PixOffset(x/c.scale, y/c.scale)+ch]; got != want {
							t.Fatalf("pixel (%d,%d) channel %d = %d, want %d", x, y, ch, got, want)
						}
					}
				}
			}
		})
	}
}

func TestOpenErrors(t *testing.T) {
	boom := errors.New("boom")
	for _, c := range []struct {
		name string
		b    fakeBackend
		want string
	}{
		{"backend", fakeBackend{err: boom}, "boom"},
		{"int input", fakeBackend{m: &fakeModel{ins: []infer.IO{{Elem: infer.Int32, Shape: []int64{1, 2, 2, 3}}}, outs: nhwc}},
			"not an upscaling model: x.onnx"},
		{"four channels", fakeBackend{m: &fakeModel{ins: []infer.IO{{Elem: infer.Float32, Shape: []int64{1, 2, 2, 4}}}, outs: nhwc}},
			"not an upscaling model"},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := Open(c.b, "x.onnx", 2, 255)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("err = %v, want %q", err, c.want)
			}
		})
	}
}

func contains(s, sub string) bool {
	return len(sub) == 0 || (len(s) >= len(sub) && (s[:len(sub)] == sub || contains(s[1:], sub)))
}

// emitter records what an operator emits; it wants the streams listed.
type emitter struct {
	want   map[string]bool
	frames []*engine.Frame
}

func (e *emitter) Wants(s string) bool             { return e.want[s] }
func (e *emitter) Frame(_ string, f *engine.Frame) { e.frames = append(e.frames, f) }
func (e *emitter) Meta(any)                        {}

func TestOperatorUpscalesItsInput(t *testing.T) {
	calls := 0
	u, err := Open(fakeBackend{m: &fakeModel{ins: nhwc, outs: nhwc, run: nearest(2, &calls)}}, "x.onnx", 2, 255)
	if err != nil {
		t.Fatal(err)
	}
	op := &Operator{Up: u}
	if s := op.Spec(); s.Input != engine.StreamDiffusion || len(s.Emits) != 1 || s.Emits[0] != StreamUpscale {
		t.Fatalf("spec %+v: want diffusion in, upscale out", s)
	}
	if s := (&Operator{Up: u, Input: engine.StreamInput}).Spec(); s.Input != engine.StreamInput {
		t.Fatalf("input %q, want input", s.Input)
	}
	in := &engine.Frame{Seq: 7, Image: testFrame(5, 3)}
	e := &emitter{want: map[string]bool{StreamUpscale: true}}
	if err := op.Process(context.Background(), in, nil, e); err != nil || len(e.frames) != 1 {
		t.Fatalf("frames %d, err %v", len(e.frames), err)
	}
	if out := e.frames[0]; out.Seq != 7 || out.Width() != 10 || out.Height() != 6 {
		t.Fatalf("out %+v", out)
	}
	if err := op.Process(context.Background(), in, nil, &emitter{}); err != nil || calls != 1 {
		t.Errorf("nobody wanting the stream must not run the model (calls %d, err %v)", calls, err)
	}
}
