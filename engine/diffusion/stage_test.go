package diffusion_test

import (
	"bytes"
	"context"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/vivid-ml/vivid-ml-engine/engine"
	"github.com/vivid-ml/vivid-ml-engine/engine/diffusion"
	"github.com/vivid-ml/vivid-ml-engine/engine/diffusion/tiny"
)

// events records what happened, in order.
type events struct {
	mu   sync.Mutex
	list []string
}

func (e *events) add(s string) {
	e.mu.Lock()
	e.list = append(e.list, s)
	e.mu.Unlock()
}

func (e *events) get() []string {
	e.mu.Lock()
	defer e.mu.Unlock()
	return slices.Clone(e.list)
}

func frame(seq uint64) *engine.Frame {
	return &engine.Frame{Seq: seq, Captured: time.Unix(0, 0), Image: testImage(64)}
}

// process runs one frame; a frame that does not return within a minute means the
// stage waited for the (blocked) text encoder.
func process(t *testing.T, s *diffusion.Stage, f *engine.Frame, p engine.Params) (*engine.Frame, bool) {
	t.Helper()
	type res struct {
		f   *engine.Frame
		ok  bool
		err error
	}
	ch := make(chan res, 1)
	go func() {
		out, ok, err := s.Process(context.Background(), f, &p)
		ch <- res{out, ok, err}
	}()
	select {
	case r := <-ch:
		if r.err != nil {
			t.Fatal(r.err)
		}
		return r.f, r.ok
	case <-time.After(time.Minute):
		t.Fatal("frame stalled waiting for the text encoder")
	}
	return nil, false
}

// TestPromptChangeNeverStalls: the frame after a prompt change returns while the text
// encoder is still busy with the new prompt (blocked until the test releases it), using
// the old embedding; once encoded, the new prompt takes effect.
func TestPromptChangeNeverStalls(t *testing.T) {
	p := openTiny(t, tiny.Options{Seed: 1}, false)
	ev := &events{}
	release := make(chan struct{})
	encode := func(prompt string) (*diffusion.Embedding, error) {
		if prompt == "a photo of a dog" {
			ev.add("encode start: dog")
			<-release
		}
		e, err := p.EncodePrompt(prompt)
		ev.add("encoded: " + prompt)
		return e, err
	}
	s := diffusion.NewStage(diffusion.StageConfig{Pipeline: p, Size: 64, Encode: encode})
	defer s.Close()

	params := engine.DefaultParams()
	params.DiffusionEnabled, params.Prompt, params.Steps, params.Strength = true, "a photo of a cat", 4, 0.5
	if err := s.Warm(context.Background(), &params); err != nil {
		t.Fatal(err)
	}
	cat, ok := process(t, s, frame(1), params)
	if !ok {
		t.Fatal("no output for frame 1")
	}
	ev.add("frame 1")

	params.Prompt = "a photo of a dog"
	out, ok := process(t, s, frame(2), params)
	ev.add("frame 2")
	if !ok || !bytes.Equal(out.Image.Pix, cat.Image.Pix) {
		t.Fatal("frame 2 must use the old (cat) embedding while the dog prompt encodes")
	}
	close(release)
	// Wait for the encoder (ordering, not timing), then the next frame uses the new prompt.
	dog, err := p.EncodePrompt("a photo of a dog")
	if err != nil {
		t.Fatal(err)
	}
	for !slices.Contains(ev.get(), "encoded: a photo of a dog") {
		time.Sleep(time.Millisecond)
	}
	out, _ = process(t, s, frame(3), params)
	want, err := p.Generate(diffusion.Request{Cond: dog, Steps: 4, Strength: 0.5, Seed: 42, Size: 64}, testImage(64))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(out.Image.Pix, want.Pix) {
		t.Fatal("frame 3 does not use the dog embedding")
	}
	// The dog encoding may start before or after frame 2 ran, but can only finish
	// after it: the test releases the encoder once frame 2 has returned.
	got := slices.DeleteFunc(ev.get(), func(s string) bool { return s == "encode start: dog" })
	wantOrder := []string{"encoded: a photo of a cat", "frame 1", "frame 2", "encoded: a photo of a dog"}
	if !slices.Equal(got, wantOrder) {
		t.Fatalf("events %q, want %q", got, wantOrder)
	}
}

func TestStageBlendAndSkip(t *testing.T) {
	p := openTiny(t, tiny.Options{Seed: 1}, false)
	s := diffusion.NewStage(diffusion.StageConfig{
		Pipeline: p, Size: 64, Slerp: true,
		Similar: diffusion.SimilarFilter{Threshold: 0.99, MaxSkip: 2},
	})
	defer s.Close()
	params := engine.DefaultParams()
	params.DiffusionEnabled, params.Steps, params.Strength = true, 2, 1
	params.Preset, params.Prompt, params.PresetB, params.PromptB = "cat", "a photo of a cat", "dog", "a photo of a dog"
	var outs [][]byte
	for i, blend := range []float64{0, 0.5, 1} {
		params.Blend = blend
		if err := s.Warm(context.Background(), &params); err != nil {
			t.Fatal(err)
		}
		f := frame(uint64(i + 1))
		f.Image.Pix[0] += uint8(100 * i) // tiny change: within the similarity threshold
		out, ok := process(t, s, f, params)
		if !ok {
			t.Fatal("no output")
		}
		outs = append(outs, out.Image.Pix)
	}
	// Frames 2 and 3 are near-identical inputs: skipped, the first output reused.
	if !bytes.Equal(outs[0], outs[1]) || !bytes.Equal(outs[0], outs[2]) {
		t.Fatal("similar frames were not skipped")
	}
	// MaxSkip 2 reached: the next frame is processed with blend 1 (the dog preset).
	out, _ := process(t, s, frame(4), params)
	if bytes.Equal(out.Image.Pix, outs[0]) {
		t.Fatal("frame after MaxSkip skips was not processed")
	}
	// A different picture (not similar) with blend 0.5 vs 1.
	params.Blend = 0.5
	f5 := frame(5)
	for i := range f5.Image.Pix {
		if i%4 != 3 {
			f5.Image.Pix[i] = 255 - f5.Image.Pix[i]
		}
	}
	half, ok := process(t, s, f5, params)
	params.Blend = 1
	full, _ := process(t, s, frame(6), params) // different from f5 again: processed
	if !ok || bytes.Equal(half.Image.Pix, out.Image.Pix) || bytes.Equal(full.Image.Pix, half.Image.Pix) {
		t.Fatal("blend 0.5 frame not processed or equal to blend 1")
	}
	if !bytes.Equal(full.Image.Pix, out.Image.Pix) {
		t.Fatal("blend 1 on the same picture changed between frames")
	}
	params.Paused = true
	if _, ok := process(t, s, frame(6), params); ok {
		t.Fatal("paused stage produced a frame")
	}
	params.Paused, params.Steps, params.Strength = false, 1, 0.5
	if _, ok := process(t, s, frame(7), params); ok {
		t.Fatal("steps × strength < 1 produced a frame")
	}
}
