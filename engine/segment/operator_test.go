package segment

import (
	"context"
	"image"
	"image/color"
	"slices"
	"sync"
	"testing"

	"go.uber.org/goleak"

	"github.com/vivid-ml/vivid-ml-engine/engine"
	"github.com/vivid-ml/vivid-ml-engine/engine/infer"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// recSink records frames per stream; it wants only the streams listed.
type recSink struct {
	mu     sync.Mutex
	want   map[string]bool
	frames map[string][]*engine.Frame
}

func (r *recSink) WantsStream(s string) bool { return r.want[s] }
func (r *recSink) WriteFrame(s string, f *engine.Frame) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.frames[s] = append(r.frames[s], f)
}

// metaChan forwards the segment operator's summaries.
type metaChan chan Summary

func (c metaChan) WriteMeta(op string, v any) {
	if s, ok := v.(Summary); ok && op == "segment" {
		c <- s
	}
}

// TestOperatorStreamsAndSummary: in the frame loop, a fake selfie whose left half is "person"
// gives a mask stream with that half white, a matte with the background colour on the right,
// and a summary with the box.
func TestOperatorStreamsAndSummary(t *testing.T) {
	m := &fakeModel{ins: io(1, 4, 4, 3), outs: io(1, 4, 4, 1), run: func(in, out []*infer.Tensor) error {
		for y := range 4 {
			for x := range 4 {
				out[0].F32[y*4+x] = map[bool]float32{true: 1, false: 0}[x < 2]
			}
		}
		return nil
	}}
	model, err := Open(fakeBackend{m: m}, "selfie.onnx")
	if err != nil {
		t.Fatal(err)
	}
	sink := &recSink{want: map[string]bool{StreamMask: true, StreamMatte: true}, frames: map[string][]*engine.Frame{}}
	got := make(metaChan, 4)
	params := engine.NewParamStore(engine.DefaultParams())
	params.Update(func(p *engine.Params) { p.SegmentFeather = 0 })
	op := NewOperator(OperatorConfig{Model: model, Background: color.RGBA{R: 9, G: 8, B: 7, A: 255}})
	spec := op.Spec()
	if spec.Input != engine.StreamInput || !slices.Equal(spec.Side, []string{engine.StreamDiffusion}) ||
		!slices.Equal(spec.Emits, []string{StreamMask, StreamMatte}) {
		t.Errorf("spec %+v: want input in, diffusion as a side stream, mask and matte out", spec)
	}
	in := engine.NewMailbox[*engine.Frame]()
	loop, err := engine.NewLoop(engine.LoopConfig{Params: params, Input: in, MaxFrames: 1, Operators: []engine.Operator{op},
		FrameSinks: []engine.FrameSink{sink}, MetaSinks: []engine.MetaSink{got}})
	if err != nil {
		t.Fatal(err)
	}
	img := image.NewRGBA(image.Rect(0, 0, 8, 4))
	for i := range img.Pix {
		img.Pix[i] = 200
	}
	loop.Start(context.Background())
	in.Put(&engine.Frame{Seq: 2, Image: img})
	s := <-got
	<-loop.Done()
	if err := op.Close(); err != nil {
		t.Fatal(err)
	}
	if !s.Found || s.Box != [4]float32{0, 0, 0.5, 1} || s.Coverage != 0.5 {
		t.Errorf("summary %+v", s)
	}
	mask, matte := sink.frames[StreamMask], sink.frames[StreamMatte]
	if len(mask) != 1 || len(matte) != 1 || mask[0].Seq != 2 {
		t.Fatalf("mask %d matte %d frames", len(mask), len(matte))
	}
	if p := mask[0].Image.Pix; p[0] != 255 || p[4*7] != 0 {
		t.Errorf("mask row 0: left %d right %d", p[0], p[4*7])
	}
	if p := matte[0].Image.Pix; p[0] != 200 || p[4*7] != 9 || p[4*7+1] != 8 {
		t.Errorf("matte row 0: left %d right %v", p[0], p[4*7:4*7+4])
	}
	if st := loop.Stats().Stage("segment"); st.Frames != 1 {
		t.Errorf("frames %d", st.Frames)
	}
}

func TestAlpha(t *testing.T) {
	mask := []float32{0, 0.4, 0.5, 0.6, 1}
	for _, c := range []struct {
		name               string
		threshold, feather float32
		want               []float32
	}{
		{"hard", 0.5, 0, []float32{0, 0, 1, 1, 1}},
		{"soft", 0.5, 0.1, []float32{0, 0, 0.5, 1, 1}},
		{"wide", 0.5, 0.5, []float32{0, 0.352, 0.5, 0.648, 1}},
	} {
		t.Run(c.name, func(t *testing.T) {
			got := make([]float32, len(mask))
			Alpha(got, mask, c.threshold, c.feather)
			for i := range got {
				if d := got[i] - c.want[i]; d > 1e-3 || d < -1e-3 {
					t.Errorf("alpha(%v) = %v, want %v", mask[i], got[i], c.want[i])
				}
			}
		})
	}
}

func TestCompositeModes(t *testing.T) {
	src := image.NewRGBA(image.Rect(0, 0, 2, 1))
	copy(src.Pix, []uint8{100, 100, 100, 255, 50, 150, 250, 255})
	alpha := []float32{1, 0}
	for _, c := range []struct {
		name string
		mode int
		want []uint8
	}{
		{"colour", ModeColor, []uint8{100, 100, 100, 255, 1, 2, 3, 255}},
		{"transparent", ModeTransparent, []uint8{100, 100, 100, 255, 0, 0, 0, 0}},
		{"other stream", ModeStream, []uint8{100, 100, 100, 255, 11, 22, 33, 255}},
		{"blur", ModeBlur, []uint8{100, 100, 100, 255, 74, 126, 178, 255}}, // three radius-1 box passes over [100 50], clamped: 74.07
	} {
		t.Run(c.name, func(t *testing.T) {
			other := image.NewRGBA(image.Rect(0, 0, 1, 1))
			copy(other.Pix, []uint8{11, 22, 33, 255})
			got := Composite(src, alpha, c.mode, color.RGBA{1, 2, 3, 255}, 1, other).Pix
			for i := range c.want {
				if d := int(got[i]) - int(c.want[i]); d > 1 || d < -1 {
					t.Fatalf("pix = %v, want %v", got, c.want)
				}
			}
		})
	}
}
