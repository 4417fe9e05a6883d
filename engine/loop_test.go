package engine

import (
	"context"
	"errors"
	"image"
	"sync"
	"testing"
	"time"
)

// fakePose is a PoseEstimator whose behaviour is a function field.
type fakePose struct {
	fn func(f *Frame, p *Params) (*PoseResult, error)
}

func (f *fakePose) EstimatePose(_ context.Context, fr *Frame, p *Params) (*PoseResult, error) {
	return f.fn(fr, p)
}

// recorder is a FrameSink and PoseSink that records what it gets.
type recorder struct {
	mu      sync.Mutex
	streams map[string]int
	poses   []*PoseResult
	want    map[string]bool // nil: every stream
}

func (r *recorder) WriteFrame(stream string, f *Frame) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.streams == nil {
		r.streams = map[string]int{}
	}
	r.streams[stream]++
}

func (r *recorder) WritePose(p *PoseResult) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.poses = append(r.poses, p)
}

func (r *recorder) count(stream string) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.streams[stream]
}

// filtered wraps a recorder with a StreamFilter.
type filtered struct{ *recorder }

func (f filtered) WantsStream(s string) bool { return f.want[s] }

type fakeImage struct {
	fn func(f *Frame, p *Params) (*Frame, bool, error)
}

func (f *fakeImage) Process(_ context.Context, fr *Frame, p *Params) (*Frame, bool, error) {
	return f.fn(fr, p)
}

// mustLoop is NewLoop for a graph the test expects to be valid.
func mustLoop(t *testing.T, cfg LoopConfig) *Loop {
	t.Helper()
	l, err := NewLoop(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return l
}

func frame(seq uint64) *Frame {
	return &Frame{Seq: seq, Captured: time.Now(), Image: image.NewRGBA(image.Rect(0, 0, 8, 8))}
}

func TestLoopRunsStagesAndStopsAtMaxFrames(t *testing.T) {
	in := NewMailbox[*Frame]()
	all := &recorder{}
	inputOnly := filtered{&recorder{want: map[string]bool{StreamInput: true}}}
	params := NewParamStore(DefaultParams())
	params.Update(func(p *Params) { p.DiffusionEnabled = true })
	var poseParams []*Params
	l := mustLoop(t, LoopConfig{
		Params: params, Input: in, MaxFrames: 3,
		Operators: []Operator{
			PoseOperator(&fakePose{fn: func(f *Frame, p *Params) (*PoseResult, error) {
				poseParams = append(poseParams, p)
				return &PoseResult{Seq: f.Seq, People: []Person{{Score: 1}}}, nil
			}}),
			DiffusionOperator(&fakeImage{fn: func(f *Frame, _ *Params) (*Frame, bool, error) {
				if f.Seq == 2 {
					return nil, false, nil // "no picture for this frame"
				}
				if f.Seq == 3 {
					return nil, false, errors.New("boom")
				}
				return f, true, nil
			}}),
		},
		FrameSinks: []FrameSink{all, inputOnly},
		MetaSinks:  []MetaSink{PoseMeta(all)},
	})
	l.Start(context.Background())
	for i := uint64(1); i <= 3; i++ {
		in.Put(frame(i))
		// Wait until the loop took it, so nothing is dropped.
		for l.Stats().Loop.Frames < i {
			time.Sleep(time.Millisecond)
		}
	}
	<-l.Done()
	l.Close()
	if got := all.count(StreamInput); got != 3 {
		t.Fatalf("input frames %d; want 3", got)
	}
	if n := len(all.poses); n < 1 || n > 3 {
		t.Fatalf("pose results %d; want 1..3", n)
	}
	if all.count(StreamPose) != len(all.poses) {
		t.Fatalf("pose overlays %d for %d results", all.count(StreamPose), len(all.poses))
	}
	if inputOnly.count(StreamPose) != 0 || inputOnly.count(StreamInput) != 3 {
		t.Fatalf("filtered sink got %v", inputOnly.streams)
	}
	if all.count(StreamDiffusion) > 1 {
		t.Fatalf("diffusion frames %d; want at most 1", all.count(StreamDiffusion))
	}
	for _, p := range poseParams {
		if !p.DiffusionEnabled {
			t.Fatal("stage saw a snapshot other than the one published")
		}
	}
	if s := l.Stats(); s.Loop.Frames != 3 {
		t.Fatalf("stats %+v", s)
	}
}

func TestLoopPausedAndPoseDisabled(t *testing.T) {
	for _, paused := range []bool{true, false} {
		in := NewMailbox[*Frame]()
		rec := &recorder{}
		params := NewParamStore(DefaultParams())
		params.Update(func(p *Params) { p.Paused, p.PoseEnabled = paused, false })
		called := make(chan struct{}, 10)
		l := mustLoop(t, LoopConfig{
			Params: params, Input: in,
			Operators: []Operator{PoseOperator(&fakePose{fn: func(*Frame, *Params) (*PoseResult, error) {
				called <- struct{}{}
				return &PoseResult{}, nil
			}})},
			FrameSinks: []FrameSink{rec},
		})
		l.Start(context.Background())
		for i := uint64(1); i <= 2; i++ {
			in.Put(frame(i))
			for in.Pending() || (!paused && l.Stats().Loop.Frames < i) {
				time.Sleep(time.Millisecond)
			}
		}
		l.Close()
		want := 2
		if paused {
			want = 0
		}
		if rec.count(StreamInput) != want || len(called) != 0 {
			t.Fatalf("paused=%v: input %d pose calls %d; want %d input, no pose", paused, rec.count(StreamInput), len(called), want)
		}
	}
}

func TestLoopPoseErrorsAreCounted(t *testing.T) {
	in := NewMailbox[*Frame]()
	l := mustLoop(t, LoopConfig{
		Input: in, MaxFrames: 1,
		Operators: []Operator{PoseOperator(&fakePose{fn: func(*Frame, *Params) (*PoseResult, error) { return nil, errors.New("model gone") }})},
	})
	l.Start(context.Background())
	in.Put(frame(1))
	<-l.Done()
	l.Close()
	if e := l.Stats().Stage("pose").Errors; e != 1 {
		t.Fatalf("pose errors %d; want 1", e)
	}
}
