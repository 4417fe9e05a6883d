package bench

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"slices"
	"sync"
	"time"

	"github.com/vivid-ml/vivid-ml-engine/engine"
	"github.com/vivid-ml/vivid-ml-engine/engine/pose"
	"github.com/vivid-ml/vivid-ml-engine/internal/app"
	"github.com/vivid-ml/vivid-ml-engine/output"
)

// timedModel records how long each Infer took, so the benchmark can subtract it.
type timedModel struct {
	m    pose.Model
	mu   sync.Mutex
	last time.Duration
}

func (t *timedModel) Infer(in []int32, h, w int) ([]float32, error) {
	start := time.Now()
	out, err := t.m.Infer(in, h, w)
	t.mu.Lock()
	t.last = time.Since(start)
	t.mu.Unlock()
	return out, err
}

// Close closes the wrapped model.
func (t *timedModel) Close() error {
	if c, ok := t.m.(io.Closer); ok {
		return c.Close()
	}
	return nil
}

func (t *timedModel) took() time.Duration {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.last
}

// timedStage records when the pose stage started and finished a frame.
type timedStage struct {
	s          engine.PoseEstimator
	mu         sync.Mutex
	start, end time.Time
}

func (t *timedStage) EstimatePose(ctx context.Context, f *engine.Frame, p *engine.Params) (*engine.PoseResult, error) {
	start := time.Now()
	r, err := t.s.EstimatePose(ctx, f, p)
	end := time.Now()
	t.mu.Lock()
	t.start, t.end = start, end
	t.mu.Unlock()
	return r, err
}

func (t *timedStage) times() (time.Time, time.Time) {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.start, t.end
}

// latencyResult is the JSON line `bench latency` prints.
type latencyResult struct {
	Bench      string  `json:"bench"`
	Model      string  `json:"model"`
	Frame      string  `json:"frame"`
	Frames     int     `json:"frames"`
	P50Ms      float64 `json:"p50_ms"` // frame in → OSC datagrams written, minus model time
	P99Ms      float64 `json:"p99_ms"`
	MaxMs      float64 `json:"max_ms"`
	ModelP50Ms float64 `json:"model_p50_ms"` // model time alone, for scale
	TotalP50Ms float64 `json:"total_p50_ms"` // including the model
	// Breakdown (p50): frame in → pose stage start (two mailbox hand-offs),
	// stage minus model (resample, post-processing, filter, tracker),
	// stage done → datagrams written (sink mailbox, OSC encode, UDP write).
	InP50Ms    float64 `json:"handoff_in_p50_ms"`
	StageP50Ms float64 `json:"stage_minus_model_p50_ms"`
	OutP50Ms   float64 `json:"osc_out_p50_ms"`
	InP99Ms    float64 `json:"handoff_in_p99_ms"`
	StageP99Ms float64 `json:"stage_minus_model_p99_ms"`
	OutP99Ms   float64 `json:"osc_out_p99_ms"`
}

// LatencyConfig configures Latency (`bench latency` flags of the same names).
type LatencyConfig struct {
	Model         string // pose model
	Frames        int    // frames to measure (after 10 warm-up frames)
	Width, Height int    // test pattern size
	Size          string // the same as given, for the result line
	Threads       int
	Runtime       *app.Runtime
	Logger        *slog.Logger
}

// Latency measures frame-in → OSC-out latency beyond model time through the real frame
// loop, pose stage (resize/crop, post-processing, tracker, filter) and OSC output over UDP
// to a local socket. Frames go in one at a time (no drops). One JSON line to out.
func Latency(ctx context.Context, c LatencyConfig, out io.Writer) error {
	model, frames, size, w, h, log := &c.Model, &c.Frames, &c.Size, c.Width, c.Height, c.Logger
	load, err := app.PoseLoader(ctx, c.Runtime, c.Threads, nil)
	if err != nil {
		return err
	}
	tm := &timedModel{}
	stage := pose.NewStage(func(name string) (pose.Model, error) {
		m, err := load(name)
		tm.m = m
		return tm, err
	}, pose.DefaultOptions(), log)
	defer stage.Close()
	if err := stage.Preload(*model); err != nil {
		return err
	}

	sink, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		return err
	}
	defer sink.Close()
	go func() {
		buf := make([]byte, 65536)
		for {
			if _, _, err := sink.ReadFromUDP(buf); err != nil {
				return
			}
		}
	}()
	sent := make(chan time.Time, 1)
	osc, err := output.NewOSCPose(output.OSCPoseConfig{
		Targets: []string{sink.LocalAddr().String()},
		OnSent:  func(_ *engine.PoseResult, at time.Time) { sent <- at },
	}, log)
	if err != nil {
		return err
	}
	defer osc.Close()

	params := engine.DefaultParams()
	params.PoseModel = *model
	in := engine.NewMailbox[*engine.Frame]()
	ts := &timedStage{s: stage}
	loop, err := engine.NewLoop(engine.LoopConfig{
		Logger: log, Params: engine.NewParamStore(params), Input: in, Operators: []engine.Operator{engine.PoseOperator(ts)},
		MetaSinks: []engine.MetaSink{engine.PoseMeta(osc)},
	})
	if err != nil {
		return err
	}
	loop.Start(ctx)
	defer loop.Close()

	pics := make([]*engine.Frame, 30)
	for i := range pics {
		pics[i] = &engine.Frame{Image: engine.DrawTestPattern(w, h, float64(i)/30)}
	}
	var over, model_, total, hin, hstage, hout []float64
	for i := 0; i < *frames+10; i++ {
		p := pics[i%len(pics)]
		f := &engine.Frame{Seq: uint64(i + 1), Image: p.Image, Captured: time.Now()}
		in.Put(f)
		var at time.Time
		select {
		case at = <-sent:
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(10 * time.Second):
			return fmt.Errorf("frame %d: no OSC output after 10 s", i+1)
		}
		if i < 10 {
			continue
		}
		all := at.Sub(f.Captured)
		mt := tm.took()
		s0, s1 := ts.times()
		hin = append(hin, latencyMs(s0.Sub(f.Captured)))
		hstage = append(hstage, latencyMs(s1.Sub(s0)-mt))
		hout = append(hout, latencyMs(at.Sub(s1)))
		over = append(over, latencyMs(all-mt))
		model_ = append(model_, latencyMs(mt))
		total = append(total, latencyMs(all))
	}
	res := latencyResult{
		Bench: "latency", Model: *model, Frame: *size, Frames: *frames,
		P50Ms: latencyPct(over, 50), P99Ms: latencyPct(over, 99), MaxMs: latencyPct(over, 100),
		ModelP50Ms: latencyPct(model_, 50), TotalP50Ms: latencyPct(total, 50),
		InP50Ms: latencyPct(hin, 50), StageP50Ms: latencyPct(hstage, 50), OutP50Ms: latencyPct(hout, 50),
		InP99Ms: latencyPct(hin, 99), StageP99Ms: latencyPct(hstage, 99), OutP99Ms: latencyPct(hout, 99),
	}
	return json.NewEncoder(out).Encode(res)
}

func latencyMs(d time.Duration) float64 { return float64(d) / 1e6 }

// latencyPct returns the p-th percentile (nearest rank) of v.
func latencyPct(v []float64, p float64) float64 {
	if len(v) == 0 {
		return 0
	}
	s := slices.Clone(v)
	slices.Sort(s)
	i := int(p/100*float64(len(s))+0.5) - 1
	return s[min(max(i, 0), len(s)-1)]
}
