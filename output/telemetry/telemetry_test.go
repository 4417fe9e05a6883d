package telemetry

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/vivid-ml/vivid-ml-engine/engine"
)

func TestHealth(t *testing.T) {
	now := time.Unix(1000, 0)
	h := NewHealth("input")
	h.now = func() time.Time { return now }
	h.started = now
	paused := false
	h.Paused = func() bool { return paused }

	tests := []struct {
		name    string
		advance time.Duration
		beat    bool
		paused  bool
		down    string
		want    int
		status  string
		flowing bool
		reason  string
	}{
		{name: "warm-up", advance: time.Second, want: 200, status: "ok"},
		{name: "never a frame", advance: 3 * time.Second, want: 503, status: "unhealthy", reason: "stage input: no frame since start (4s ago)"},
		{name: "fresh beat", beat: true, want: 200, status: "ok", flowing: true},
		{name: "stale", advance: 4 * time.Second, want: 503, status: "unhealthy", reason: "stage input: last frame 4s ago"},
		{name: "down", beat: true, down: "camera lost, restarting in 2s", want: 503, status: "unhealthy", flowing: true, reason: "source: camera lost, restarting in 2s"},
		{name: "paused", beat: true, paused: true, want: 200, status: "paused", flowing: true},
		{name: "paused, no frames", advance: 10 * time.Second, paused: true, want: 200, status: "paused"},
		{name: "resumed", advance: time.Second, want: 200, status: "ok"},
		{name: "resumed, no frames", advance: 3 * time.Second, want: 503, status: "unhealthy", reason: "stage input: last frame 14s ago"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			now = now.Add(tc.advance)
			paused = tc.paused
			if tc.beat {
				h.Beat("input")
			}
			h.SetDown("source", tc.down)
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/healthz", nil))
			if rec.Code != tc.want {
				t.Fatalf("code %d, want %d (%s)", rec.Code, tc.want, rec.Body)
			}
			var body Report
			if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil {
				t.Fatal(err)
			}
			if body.Status != tc.status || body.Flowing != tc.flowing {
				t.Fatalf("status %q flowing %v, want %q %v", body.Status, body.Flowing, tc.status, tc.flowing)
			}
			if tc.reason != "" && (len(body.Reasons) != 1 || body.Reasons[0] != tc.reason) {
				t.Fatalf("reasons %q, want %q", body.Reasons, tc.reason)
			}
		})
	}
}

func TestMetricsExposition(t *testing.T) {
	m := NewMetrics()
	s := Sink{M: m}
	s.WriteFrame(engine.StreamInput, &engine.Frame{Captured: time.Now().Add(-5 * time.Millisecond)})
	s.WritePose(&engine.PoseResult{Captured: time.Now()})
	m.SetDrops("pose", 3)
	m.SetProvider("movenet-lightning", "cpu")
	var n float64 = 7
	if err := m.AddCounter(Counter{Name: "osc_malformed_total", Help: "Malformed OSC packets.", Value: func() float64 { return n }}); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(m.Handler())
	defer srv.Close()
	resp, err := srv.Client().Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	for _, want := range []string{
		`vivid_frames_total{stage="input"} 1`,
		`vivid_frames_total{stage="pose"} 1`,
		`vivid_stage_latency_seconds_bucket{stage="input",le="0.01"} 1`,
		`vivid_drops_total{stage="pose"} 3`,
		`vivid_execution_provider_info{model="movenet-lightning",provider="cpu"} 1`,
		`vivid_osc_malformed_total 7`,
		`go_goroutines`,
		`process_resident_memory_bytes`,
	} {
		if !strings.Contains(string(b), want) {
			t.Errorf("metrics lack %q", want)
		}
	}
}
