package engine

import (
	"context"
	"errors"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// fakeOp is an Operator whose behaviour is a function field.
type fakeOp struct {
	spec    OperatorSpec
	process func(ctx context.Context, f *Frame, p *Params, out Emitter) error
	restart func() error
	side    func(stream string, f *Frame)
}

func (o *fakeOp) Spec() OperatorSpec { return o.spec }
func (o *fakeOp) Process(ctx context.Context, f *Frame, p *Params, out Emitter) error {
	return o.process(ctx, f, p, out)
}

func (o *fakeOp) Restart() error {
	if o.restart == nil {
		return nil
	}
	return o.restart()
}

func (o *fakeOp) SetSide(stream string, f *Frame) {
	if o.side != nil {
		o.side(stream, f)
	}
}

// relay reads in and emits every frame unchanged on out.
func relay(name, in, out string) *fakeOp {
	return &fakeOp{spec: OperatorSpec{Name: name, Input: in, Emits: []string{out}},
		process: func(_ context.Context, f *Frame, _ *Params, e Emitter) error {
			e.Frame(out, f)
			return nil
		}}
}

// chanSink sends every frame of one stream to a channel.
type chanSink struct {
	stream string
	c      chan *Frame
}

func (s chanSink) WantsStream(stream string) bool { return stream == s.stream }
func (s chanSink) WriteFrame(_ string, f *Frame)  { s.c <- f }

// metaRec records metadata by operator.
type metaRec struct {
	mu  sync.Mutex
	got map[string][]any
}

func (m *metaRec) WriteMeta(op string, v any) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.got == nil {
		m.got = map[string][]any{}
	}
	m.got[op] = append(m.got[op], v)
}

// TestLoopChainOfThree: input → a → b → c; every frame goes down the whole chain with the
// one snapshot it was taken with, metadata reaches the MetaSinks under the operator's
// name, and streams and stats are derived from the operators.
func TestLoopChainOfThree(t *testing.T) {
	in := NewMailbox[*Frame]()
	var mu sync.Mutex
	seen := map[uint64][]*Params{}
	track := func(op *fakeOp) *fakeOp {
		inner := op.process
		op.process = func(ctx context.Context, f *Frame, p *Params, e Emitter) error {
			mu.Lock()
			seen[f.Seq] = append(seen[f.Seq], p)
			mu.Unlock()
			return inner(ctx, f, p, e)
		}
		return op
	}
	c := relay("c", "b", "c")
	c.spec.Meta = true
	c.process = func(_ context.Context, f *Frame, _ *Params, e Emitter) error {
		e.Meta(f.Seq)
		e.Frame("c", f)
		return nil
	}
	out := chanSink{stream: "c", c: make(chan *Frame, 1)}
	meta := &metaRec{}
	params := NewParamStore(DefaultParams())
	l := mustLoop(t, LoopConfig{Input: in, Params: params, MaxFrames: 3,
		Operators:  []Operator{track(relay("a", StreamInput, "a")), track(relay("b", "a", "b")), track(c)},
		FrameSinks: []FrameSink{out}, MetaSinks: []MetaSink{meta}})
	if got, want := l.Streams(), []string{StreamInput, "a", "b", "c"}; !slices.Equal(got, want) {
		t.Fatalf("streams %v, want %v", got, want)
	}
	l.Start(context.Background())
	for seq := uint64(1); seq <= 3; seq++ {
		params.Update(func(p *Params) { p.Seed = int64(seq) })
		in.Put(frame(seq))
		if f := <-out.c; f.Seq != seq {
			t.Fatalf("stream c gave frame %d, want %d", f.Seq, seq)
		}
	}
	<-l.Done()
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	for seq := uint64(1); seq <= 3; seq++ {
		ps := seen[seq]
		if len(ps) != 3 || ps[0] != ps[1] || ps[1] != ps[2] || ps[0].Seed != int64(seq) {
			t.Fatalf("frame %d: snapshots %v; want the same one (seed %d) in a, b and c", seq, ps, seq)
		}
	}
	if got := meta.got["c"]; !slices.Equal(got, []any{uint64(1), uint64(2), uint64(3)}) {
		t.Fatalf("metadata of c: %v", got)
	}
	st := l.Stats()
	var names []string
	for _, o := range st.Operators {
		names = append(names, o.Name)
		if o.Frames != 3 || o.Drops != 0 || o.Errors != 0 {
			t.Errorf("%s: %+v; want 3 frames, no drops or errors", o.Name, o.StageStats)
		}
	}
	if !slices.Equal(names, []string{"a", "b", "c"}) {
		t.Fatalf("stats operators %v", names)
	}
}

// TestLoopSlowOperatorNewestWins: while an operator is busy, newer frames replace the one
// waiting in its mailbox; it then gets the newest frame only and the rest count as drops.
func TestLoopSlowOperatorNewestWins(t *testing.T) {
	in := NewMailbox[*Frame]()
	started, gate := make(chan struct{}), make(chan struct{})
	var got []uint64
	slow := &fakeOp{spec: OperatorSpec{Name: "slow", Input: StreamInput},
		process: func(_ context.Context, f *Frame, _ *Params, _ Emitter) error {
			got = append(got, f.Seq)
			if f.Seq == 1 {
				close(started)
				<-gate
			}
			return nil
		}}
	l := mustLoop(t, LoopConfig{Input: in, MaxFrames: 4, Operators: []Operator{slow}})
	l.Start(context.Background())
	in.Put(frame(1))
	<-started
	for seq := uint64(2); seq <= 4; seq++ {
		in.Put(frame(seq))
		for l.Stats().Loop.Frames < seq { // the loop has offered it to the operator
			time.Sleep(time.Millisecond)
		}
	}
	close(gate)
	<-l.Done()
	if !slices.Equal(got, []uint64{1, 4}) {
		t.Fatalf("slow operator processed %v, want [1 4]", got)
	}
	if s := l.Stats().Stage("slow"); s.Drops != 2 || s.Frames != 0 {
		t.Fatalf("stats %+v; want 2 drops (frames 2, 3) and no frames counted (it emitted nothing)", s)
	}
	if s := l.Stats(); s.Loop.Frames != 4 {
		t.Fatalf("loop frames %d, want 4", s.Loop.Frames)
	}
}

// TestLoopCrashingOperatorBacksOffAndRecovers: an operator that fails failLimit times in a
// row is restarted after a pause (the supervisor), and the next frame after the pause runs.
func TestLoopCrashingOperatorBacksOffAndRecovers(t *testing.T) {
	in := NewMailbox[*Frame]()
	calls := make(chan uint64, 8)
	var restarts atomic.Int32
	op := &fakeOp{spec: OperatorSpec{Name: "flaky", Input: StreamInput, Emits: []string{"flaky"}},
		process: func(_ context.Context, f *Frame, _ *Params, e Emitter) error {
			calls <- f.Seq
			if restarts.Load() == 0 {
				return errors.New("device lost")
			}
			e.Frame("flaky", f)
			return nil
		},
		restart: func() error { restarts.Add(1); return nil }}
	out := chanSink{stream: "flaky", c: make(chan *Frame, 1)}
	l := mustLoop(t, LoopConfig{Input: in, Operators: []Operator{op}, FrameSinks: []FrameSink{out}})
	l.Start(context.Background())
	defer func() {
		if err := l.Close(); err != nil {
			t.Error(err)
		}
	}()
	for seq := uint64(1); seq <= failLimit; seq++ {
		in.Put(frame(seq))
		if got := <-calls; got != seq {
			t.Fatalf("call for frame %d, want %d", got, seq)
		}
	}
	// The third failure restarted the operator and pauses it; this frame waits in its mailbox.
	in.Put(frame(failLimit + 1))
	if got := <-calls; got != failLimit+1 {
		t.Fatalf("call for frame %d after the pause, want %d", got, failLimit+1)
	}
	if f := <-out.c; f.Seq != failLimit+1 {
		t.Fatalf("recovered output is frame %d", f.Seq)
	}
	s := l.Stats().Stage("flaky")
	if restarts.Load() != 1 || s.Restarts != 1 || s.Errors != failLimit || s.Frames != 1 {
		t.Fatalf("restarts %d, stats %+v; want 1 restart, %d errors, 1 frame", restarts.Load(), s, failLimit)
	}
}

// TestLoopSideStreamAndWants: an operator's Side stream reaches SetSide, and Wants is
// false for a stream nobody takes.
func TestLoopSideStreamAndWants(t *testing.T) {
	in := NewMailbox[*Frame]()
	sides := make(chan uint64, 4)
	wants := make(chan bool, 4)
	watcher := &fakeOp{spec: OperatorSpec{Name: "w", Input: StreamInput, Side: []string{"a", "absent"}, Emits: []string{"w"}},
		process: func(_ context.Context, _ *Frame, _ *Params, e Emitter) error {
			wants <- e.Wants("w")
			return nil
		},
		side: func(stream string, f *Frame) {
			if stream == "a" {
				sides <- f.Seq
			}
		}}
	l := mustLoop(t, LoopConfig{Input: in, MaxFrames: 1, Operators: []Operator{relay("a", StreamInput, "a"), watcher}})
	l.Start(context.Background())
	in.Put(frame(7))
	<-l.Done()
	if got := <-sides; got != 7 {
		t.Fatalf("side frame %d, want 7", got)
	}
	if <-wants {
		t.Fatal("Wants(w) is true with no sink and no reader of w")
	}
}

func TestLoopBadGraph(t *testing.T) {
	op := func(name, in string, emits ...string) Operator {
		return &fakeOp{spec: OperatorSpec{Name: name, Input: in, Emits: emits}}
	}
	withParam := &fakeOp{spec: OperatorSpec{Name: "p", Input: StreamInput, Params: []string{"strenght"}}}
	for _, c := range []struct {
		name string
		ops  []Operator
		want string
	}{
		{"no name", []Operator{op("", StreamInput)}, "bad operator graph: an operator without a name"},
		{"same name", []Operator{op("a", StreamInput), op("a", StreamInput)}, `bad operator graph: two operators named "a"`},
		{"same stream", []Operator{op("a", StreamInput, "x"), op("b", StreamInput, "x")}, `bad operator graph: stream "x" is emitted by a and b`},
		{"input emitted", []Operator{op("a", StreamInput, StreamInput)}, `bad operator graph: stream "input" is emitted by the source and a`},
		{"missing input", []Operator{op("a", StreamInput, "x"), op("b", "y")}, `bad operator graph: operator b reads stream "y", which nothing emits (streams: input, x)`},
		{"cycle", []Operator{op("a", "y", "x"), op("b", "x", "y")}, "bad operator graph: operator a is in a cycle"},
		{"unknown param", []Operator{withParam}, `bad operator graph: operator p reads unknown parameter "strenght"`},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := NewLoop(LoopConfig{Operators: c.ops})
			if err == nil || err.Error() != c.want || !errors.Is(err, ErrBadGraph) {
				t.Fatalf("err = %v\nwant  %s", err, c.want)
			}
		})
	}
}
