package app

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"sync"

	"github.com/vivid-ml/vivid-ml-engine/control"
	"github.com/vivid-ml/vivid-ml-engine/engine"
	"github.com/vivid-ml/vivid-ml-engine/engine/pose"
	"github.com/vivid-ml/vivid-ml-engine/output/preview"
	"github.com/vivid-ml/vivid-ml-engine/output/telemetry"
)

// runTelemetry is run's health and metrics: a sink that times every frame and pose
// result, /healthz and /metrics on the preview server, and sd_notify.
type runTelemetry struct {
	metrics *telemetry.Metrics
	health  *telemetry.Health
	env     *runEnv

	mu        sync.Mutex
	providers []preview.ModelStatus // for the status page
}

// newRunTelemetry registers the telemetry sink on env; the input stream (and pose,
// when on) must keep flowing for /healthz to answer 200.
func newRunTelemetry(env *runEnv, poseOn bool) *runTelemetry {
	stages := []string{engine.StreamInput}
	if poseOn {
		stages = append(stages, "pose")
	}
	t := &runTelemetry{metrics: telemetry.NewMetrics(), health: telemetry.NewHealth(stages...), env: env}
	t.health.Paused = func() bool { return env.Params.Load().Paused }
	t.health.Off = func(stage string) bool { return stage == "pose" && !env.Params.Load().PoseEnabled }
	sink := telemetry.Sink{M: t.metrics, H: t.health}
	env.FrameSinks = append(env.FrameSinks, sink)
	env.MetaSinks = append(env.MetaSinks, sink)
	env.OnProvider = func(model, provider string) {
		t.metrics.SetProvider(model, provider)
		t.mu.Lock()
		defer t.mu.Unlock()
		for i, m := range t.providers {
			if m.Model == model {
				t.providers[i].Provider = provider
				return
			}
		}
		t.providers = append(t.providers, preview.ModelStatus{Model: model, Provider: provider})
	}
	env.ModelProviders = func() []preview.ModelStatus {
		t.mu.Lock()
		defer t.mu.Unlock()
		return slices.Clone(t.providers)
	}
	t.engineGauges()
	return t
}

// engineGauges exposes the frame loop's drop and error counters.
func (t *runTelemetry) engineGauges() {
	stat := func(f func(engine.Stats) float64) func() float64 {
		return func() float64 {
			if t.env.Stats == nil {
				return 0
			}
			return f(t.env.Stats())
		}
	}
	for _, g := range []telemetry.Counter{
		{Name: "capture_drops_total", Help: "Captured frames replaced before the loop took them.", Value: stat(func(s engine.Stats) float64 { return float64(s.Capture.Drops) })},
		{Name: "source_restarts_total", Help: "Source restarts after an end or failure.", Value: stat(func(s engine.Stats) float64 { return float64(s.Restarts) })},
		{Name: "pose_drops_total", Help: "Frames the pose stage skipped (newest wins).", Value: stat(func(s engine.Stats) float64 { return float64(s.Stage("pose").Drops) })},
		{Name: "pose_errors_total", Help: "Pose stage failures.", Value: stat(func(s engine.Stats) float64 { return float64(s.Stage("pose").Errors) })},
	} {
		_ = t.metrics.AddCounter(g)
	}
	for _, g := range []telemetry.Counter{
		{Name: "capture_fps", Help: "Frames per second from the source.", Value: stat(func(s engine.Stats) float64 { return s.Capture.FPS })},
		{Name: "pose_fps", Help: "Pose results per second.", Value: stat(func(s engine.Stats) float64 { return s.Stage("pose").FPS })},
		{Name: "pose_latency_ms", Help: "Pose stage time per frame (moving average).", Value: stat(func(s engine.Stats) float64 { return s.Stage("pose").LatencyMs })},
	} {
		_ = t.metrics.AddGauge(g)
	}
}

// stageGauges exposes every operator's restarts, drops, errors, fps and latency, labelled
// with its name (pose and diffusion always have stage_restarts_total, as before operators).
func (t *runTelemetry) stageGauges(specs []engine.OperatorSpec) {
	names := []string{"pose", "diffusion"}
	for _, s := range specs {
		if !slices.Contains(names, s.Name) {
			names = append(names, s.Name)
		}
	}
	for _, name := range names {
		stage := func(f func(engine.StageStats) float64) func() float64 {
			return func() float64 {
				if t.env.Stats == nil {
					return 0
				}
				return f(t.env.Stats().Stage(name))
			}
		}
		labels := map[string]string{"stage": name}
		_ = t.metrics.AddCounter(telemetry.Counter{Name: "stage_restarts_total", Help: "Stage restarts after repeated failures.",
			Labels: labels, Value: stage(func(s engine.StageStats) float64 { return float64(s.Restarts) })})
		_ = t.metrics.AddCounter(telemetry.Counter{Name: "stage_drops_total", Help: "Frames a stage skipped (newest wins).",
			Labels: labels, Value: stage(func(s engine.StageStats) float64 { return float64(s.Drops) })})
		_ = t.metrics.AddCounter(telemetry.Counter{Name: "stage_errors_total", Help: "Stage failures.",
			Labels: labels, Value: stage(func(s engine.StageStats) float64 { return float64(s.Errors) })})
		_ = t.metrics.AddGauge(telemetry.Counter{Name: "stage_fps", Help: "Frames a stage finished per second (last 2 s).",
			Labels: labels, Value: stage(func(s engine.StageStats) float64 { return s.FPS })})
		_ = t.metrics.AddGauge(telemetry.Counter{Name: "stage_latency_ms", Help: "Stage time per frame (moving average).",
			Labels: labels, Value: stage(func(s engine.StageStats) float64 { return s.LatencyMs })})
	}
}

// controlCounters exposes the control subsystem's counters.
func (t *runTelemetry) controlCounters(h *control.Controller) {
	for _, c := range []struct {
		name, help string
		labels     map[string]string
		f          func() uint64
	}{
		{"osc_packets_total", "OSC datagrams received.", nil, func() uint64 { return h.Stats().OSCPackets }},
		{"osc_messages_total", "OSC messages applied.", nil, func() uint64 { return h.Stats().OSCMessages }},
		{"osc_malformed_total", "Undecodable OSC datagrams.", nil, func() uint64 { return h.Stats().OSCMalformed }},
		{"osc_denied_total", "OSC datagrams from senders not on the allow-list.", nil, func() uint64 { return h.Stats().OSCDenied }},
		{"osc_unmatched_total", "OSC messages no built-in address or mapping rule matched.", nil, func() uint64 { return h.Stats().OSCUnmatched }},
		{"osc_unknown_vivid_total", "OSC messages to /vivid/ addresses that do not exist (typos).", nil, func() uint64 { return h.Stats().UnknownVivid }},
		{"learn_refused_total", "Learned rules refused (mapping size limit, learn rate).", nil, func() uint64 { return h.Stats().LearnRefused }},
		{"midi_messages_total", "MIDI messages received.", nil, func() uint64 { return h.Stats().MIDIMessages }},
		{"values_rejected_total", "Control values rejected (NaN, wrong type, bad UTF-8…).", nil, func() uint64 { return h.Stats().Rejected }},
		{"values_clamped_total", "Control values clamped into range or text cut to length.", nil, func() uint64 { return h.Stats().Clamped }},
		{"reloads_total", "Mapping/presets reloads.", map[string]string{"result": "ok"}, func() uint64 { return h.Stats().ReloadsOK }},
		{"reloads_total", "Mapping/presets reloads.", map[string]string{"result": "failed"}, func() uint64 { return h.Stats().ReloadsFailed }},
	} {
		f := c.f
		_ = t.metrics.AddCounter(telemetry.Counter{Name: c.name, Help: c.help, Labels: c.labels, Value: func() float64 { return float64(f()) }})
	}
}

// mount adds /healthz and /metrics to the preview server (nil: no --http).
func (t *runTelemetry) mount(srv *preview.Server) {
	if srv == nil {
		return
	}
	srv.Handle("GET /healthz", t.health)
	srv.Handle("GET /metrics", t.metrics.Handler())
}

// status is the one-line summary for systemd's STATUS.
func (t *runTelemetry) status() string {
	if t.env.Stats == nil {
		return "starting"
	}
	s := t.env.Stats()
	p := s.Stage("pose")
	return fmt.Sprintf("capture %.1f fps, pose %.1f fps (%.1f ms), drops %d", s.Capture.FPS, p.FPS, p.LatencyMs, p.Drops)
}

// notify starts the sd_notify loop; it ends with ctx.
func (t *runTelemetry) notify(ctx context.Context) *notifier {
	return startNotifier(ctx, t.env.Logger, t.health.Check, t.status)
}

// reportingLoader wraps a pose model loader so each loaded model's provider is reported.
func reportingLoader(load pose.Loader, env *runEnv) pose.Loader {
	return func(name string) (pose.Model, error) {
		m, err := load(name)
		if err == nil {
			if p, ok := m.(interface{ Provider() string }); ok {
				env.reportProvider(name, p.Provider())
			}
		}
		return m, err
	}
}

var _ http.Handler = (*telemetry.Health)(nil)
