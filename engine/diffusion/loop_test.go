package diffusion_test

import (
	"bytes"
	"context"
	"testing"
	"time"

	"github.com/vivid-ml/vivid-ml-engine/engine"
	"github.com/vivid-ml/vivid-ml-engine/engine/diffusion"
	"github.com/vivid-ml/vivid-ml-engine/engine/diffusion/tiny"
)

// chanSink forwards diffusion frames to a channel.
type chanSink chan *engine.Frame

func (c chanSink) WriteFrame(stream string, f *engine.Frame) {
	if stream == engine.StreamDiffusion {
		c <- f
	}
}

// TestStageInLoop: the stage as the frame loop's image stage turns each input frame
// into a diffusion frame that reaches the sinks, reading the live parameter snapshot.
func TestStageInLoop(t *testing.T) {
	p := openTiny(t, tiny.Options{Seed: 1}, false)
	s := diffusion.NewStage(diffusion.StageConfig{Pipeline: p, Size: 64})
	defer s.Close()
	params := engine.DefaultParams()
	params.DiffusionEnabled, params.PoseEnabled, params.Prompt, params.Steps, params.Strength = true, false, "a photo of a cat", 4, 0.5
	store := engine.NewParamStore(params)
	if err := s.Warm(context.Background(), store.Load()); err != nil {
		t.Fatal(err)
	}
	in := engine.NewMailbox[*engine.Frame]()
	sink := make(chanSink, 4)
	loop, err := engine.NewLoop(engine.LoopConfig{Params: store, Input: in, Operators: []engine.Operator{engine.DiffusionOperator(s)},
		FrameSinks: []engine.FrameSink{sink}})
	if err != nil {
		t.Fatal(err)
	}
	loop.Start(context.Background())
	defer loop.Close()

	next := func(seq uint64) *engine.Frame {
		in.Put(&engine.Frame{Seq: seq, Captured: time.Unix(int64(seq), 0), Image: testImage(64)})
		select {
		case f := <-sink:
			return f
		case <-time.After(time.Minute):
			t.Fatal("no diffusion frame reached the sink")
		}
		return nil
	}
	first := next(1)
	cat, _ := p.EncodePrompt("a photo of a cat")
	want, err := p.Generate(diffusion.Request{Cond: cat, Steps: 4, Strength: 0.5, Seed: 42, Size: 64}, testImage(64))
	if err != nil {
		t.Fatal(err)
	}
	if first.Seq != 1 || !bytes.Equal(first.Image.Pix, want.Pix) {
		t.Fatal("first diffusion frame differs from a direct Generate")
	}
	store.Update(func(p *engine.Params) { p.Seed = 43 })
	if second := next(2); second.Seq != 2 || bytes.Equal(second.Image.Pix, first.Image.Pix) {
		t.Fatal("a seed change in the snapshot did not change the next frame")
	}
}
