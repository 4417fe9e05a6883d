package tests

import (
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// getJSON GETs url with Host header host ("" leaves it) and decodes a JSON body into out (when not nil).
func getJSON(t *testing.T, url, host string, out any) int {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	if host != "" {
		req.Host = host
	}
	resp, err := (&http.Client{Timeout: 10 * time.Second}).Do(req)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if out != nil && resp.StatusCode == http.StatusOK {
		if err := json.Unmarshal(b, out); err != nil {
			t.Fatalf("GET %s: %v\n%s", url, err, b)
		}
	}
	return resp.StatusCode
}

// TestHTTPHostAllowList: the preview answers IP literals and localhost, refuses other
// Host names (DNS rebinding) with 403, and answers names given with --http-allow-host.
func TestHTTPHostAllowList(t *testing.T) {
	e := startCtlEngine(t, "--http-allow-host", "studio.lan")
	for _, tc := range []struct {
		host string
		want int
	}{
		{"", 200},
		{"localhost:8080", 200},
		{"studio.lan", 200},
		{"rebind.attacker.example", 403},
	} {
		for _, path := range []string{"/api/status", "/healthz", "/metrics", "/", "/snapshot/input.jpg"} {
			got := getJSON(t, e.http+path, tc.host, nil)
			if want := tc.want; (want == 403) != (got == 403) {
				t.Errorf("Host %q %s: %d, want %d", tc.host, path, got, want)
			}
		}
	}
}

// TestHTTPInvalidUTF8Path: a path that is not UTF-8 is a 404, never a 500.
func TestHTTPInvalidUTF8Path(t *testing.T) {
	e := startCtlEngine(t)
	for _, path := range []string{"/%ff", "/%c3%28.js", "/stream/%ff.mjpg", "/snapshot/%ff.jpg"} {
		if code := getJSON(t, e.http+path, "", nil); code != 404 {
			t.Errorf("GET %s: %d, want 404", path, code)
		}
	}
}

type healthBody struct {
	Status  string   `json:"status"`
	Flowing bool     `json:"frames_flowing"`
	Reasons []string `json:"reasons"`
}

// waitStatus polls url until cond holds for the decoded body (readyWait).
func waitStatus[T any](t *testing.T, p *proc, url string, what string, cond func(T) bool) T {
	t.Helper()
	for deadline := time.Now().Add(readyWait); ; time.Sleep(100 * time.Millisecond) {
		var v T
		req, _ := http.NewRequest(http.MethodGet, url, nil)
		if resp, err := (&http.Client{Timeout: 10 * time.Second}).Do(req); err == nil {
			_ = json.NewDecoder(resp.Body).Decode(&v)
			resp.Body.Close()
			if cond(v) {
				return v
			}
		}
		if !p.running() || time.Now().After(deadline) {
			t.Fatalf("%s never held at %s (last %+v):\n%s", what, url, v, p)
		}
	}
}

// TestHealthzSaysPaused: /healthz says ok with frames flowing, then paused (and, once
// the frames stop, not flowing) after /vivid/pause, and ok again after /vivid/resume.
func TestHealthzSaysPaused(t *testing.T) {
	e := startCtlEngine(t)
	waitStatus(t, e.proc, e.http+"/healthz", "ok, flowing", func(h healthBody) bool { return h.Status == "ok" && h.Flowing })
	e.send(t, "/vivid/pause")
	waitStatus(t, e.proc, e.http+"/healthz", "paused, not flowing", func(h healthBody) bool { return h.Status == "paused" && !h.Flowing })
	e.send(t, "/vivid/resume")
	waitStatus(t, e.proc, e.http+"/healthz", "ok, flowing again", func(h healthBody) bool { return h.Status == "ok" && h.Flowing })
}

type apiStatus struct {
	Engine struct {
		Stages []struct {
			Name string  `json:"name"`
			FPS  float64 `json:"fps"`
		} `json:"stages"`
		Mapping      string `json:"mapping"`
		MappingError string `json:"mapping_error"`
	} `json:"engine"`
}

func (s apiStatus) fps(stage string) float64 {
	for _, g := range s.Engine.Stages {
		if g.Name == stage {
			return g.FPS
		}
	}
	return -1
}

// TestStatusFPSTrue: the capture rate of a 10 fps test pattern never reads above what
// the source can give (no spikes), falls to 0 while paused and comes back on resume.
func TestStatusFPSTrue(t *testing.T) {
	e := startCtlEngine(t)
	url := e.http + "/api/status"
	waitStatus(t, e.proc, url, "frames counted", func(s apiStatus) bool { return s.fps("loop") > 0 })
	for range 20 {
		var s apiStatus
		getJSON(t, url, "", &s)
		if f := s.fps("loop"); f > 15 { // 10 fps source: a count over 2 s cannot exceed ~10.5
			t.Fatalf("loop fps %v from a 10 fps source", f)
		}
		time.Sleep(50 * time.Millisecond)
	}
	e.send(t, "/vivid/pause")
	waitStatus(t, e.proc, url, "loop fps 0 while paused", func(s apiStatus) bool { return s.fps("loop") == 0 })
	e.send(t, "/vivid/resume")
	waitStatus(t, e.proc, url, "loop fps back", func(s apiStatus) bool { return s.fps("loop") > 0 })
}

// TestStatusShowsMapping: /api/status (what the status page shows) names the mapping
// file in force with its rule count, and a rejected version's error with line:column.
func TestStatusShowsMapping(t *testing.T) {
	mf := filepath.Join(t.TempDir(), "touchosc.yaml")
	if err := os.WriteFile(mf, []byte("rules:\n  - osc: {address: /1/fader1}\n    target: strength\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	e := startCtlEngine(t, "--mapping", mf)
	url := e.http + "/api/status"
	s := waitStatus(t, e.proc, url, "mapping shown", func(s apiStatus) bool { return s.Engine.Mapping != "" })
	if want := mf + " (mapping, 1)"; s.Engine.Mapping != want || s.Engine.MappingError != "" {
		t.Fatalf("mapping %q error %q, want %q and none", s.Engine.Mapping, s.Engine.MappingError, want)
	}
	if err := os.WriteFile(mf, []byte("rules:\n  - osc: {address: /1/fader1}\n    target: strenght\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	want := mf + `:3:13: unknown target "strenght"`
	s = waitStatus(t, e.proc, url, "mapping error shown", func(s apiStatus) bool { return s.Engine.MappingError != "" })
	if !strings.HasSuffix(s.Engine.MappingError, want) || s.Engine.Mapping != mf+" (mapping, 1)" {
		t.Fatalf("mapping %q error %q, want the old one in force and %q", s.Engine.Mapping, s.Engine.MappingError, want)
	}
}
