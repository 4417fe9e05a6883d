package engine

import (
	"context"
	"errors"
	"log/slog"
	"sync/atomic"
	"testing"
	"time"
)

// restartingPose fails until it has been restarted once, then works.
type restartingPose struct {
	restarts atomic.Int32
}

func (r *restartingPose) EstimatePose(_ context.Context, f *Frame, _ *Params) (*PoseResult, error) {
	if r.restarts.Load() == 0 {
		return nil, errors.New("onnxruntime: session broken")
	}
	return &PoseResult{Seq: f.Seq}, nil
}

func (r *restartingPose) Restart() error { r.restarts.Add(1); return nil }

// TestLoopRestartsFailingStage: after repeated failures the loop restarts the pose
// stage with a pause, input frames keep flowing meanwhile, and the stage recovers.
func TestLoopRestartsFailingStage(t *testing.T) {
	in := NewMailbox[*Frame]()
	rec := &recorder{}
	pose := &restartingPose{}
	l := mustLoop(t, LoopConfig{Input: in, Operators: []Operator{PoseOperator(pose)}, FrameSinks: []FrameSink{rec}, MetaSinks: []MetaSink{PoseMeta(rec)}})
	l.Start(context.Background())
	defer l.Close()
	deadline := time.Now().Add(20 * time.Second)
	for seq := uint64(1); ; seq++ {
		in.Put(frame(seq))
		time.Sleep(5 * time.Millisecond)
		rec.mu.Lock()
		got := len(rec.poses)
		rec.mu.Unlock()
		if got > 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("pose never recovered: stats %+v", l.Stats().Stage("pose"))
		}
	}
	st := l.Stats().Stage("pose")
	if pose.restarts.Load() != 1 || st.Restarts != 1 || st.Errors < failLimit {
		t.Fatalf("restarts %d (stats %d), errors %d; want 1, 1, >= %d", pose.restarts.Load(), st.Restarts, st.Errors, failLimit)
	}
	if rec.count(StreamInput) == 0 {
		t.Fatal("no input frames reached the sinks while pose was failing")
	}
}

func TestSupervisorBackoff(t *testing.T) {
	s := newSupervisor("x", nil, slog.New(slog.DiscardHandler))
	want := []time.Duration{250 * time.Millisecond, 500 * time.Millisecond, time.Second, 2 * time.Second, 4 * time.Second, 5 * time.Second, 5 * time.Second}
	for i, w := range want {
		if got := s.nextBackoff(); got != w {
			t.Fatalf("pause %d: %v; want %v", i, got, w)
		}
	}
	s.fails = failLimit
	s.ok()
	if s.fails != 0 || s.backoff != 0 {
		t.Fatalf("ok did not reset: fails %d backoff %v", s.fails, s.backoff)
	}
	// Below the limit a failure does not pause; at the limit a cancelled context ends the wait.
	if !s.failed(context.Background(), errors.New("x")) || s.restarts.Load() != 0 {
		t.Fatal("first failure paused or restarted")
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	s.fails = failLimit - 1
	if s.failed(ctx, errors.New("x")) {
		t.Fatal("failed() waited past a cancelled context")
	}
	if s.restarts.Load() != 1 {
		t.Fatalf("restarts %d; want 1", s.restarts.Load())
	}
}
