package preview

import (
	"encoding/json"
	"image"
	"image/color"
	"image/jpeg"
	"io"
	"log/slog"
	"mime"
	"mime/multipart"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/vivid-ml/vivid-ml-engine/engine"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func solid(c color.RGBA, seq uint64) *engine.Frame {
	img := image.NewRGBA(image.Rect(0, 0, 64, 48))
	for i := 0; i < len(img.Pix); i += 4 {
		img.Pix[i], img.Pix[i+1], img.Pix[i+2], img.Pix[i+3] = c.R, c.G, c.B, 255
	}
	return &engine.Frame{Seq: seq, Captured: time.Now(), Image: img}
}

func newTestServer(t *testing.T) *Server {
	s, err := New(Config{Addr: "127.0.0.1:0", Logger: slog.New(slog.DiscardHandler),
		Status: func() EngineStatus {
			return EngineStatus{Stages: []StageStatus{{Name: "pose", FPS: 30, LatencyMS: 12}},
				Params: map[string]float64{"strength": 0.5}, Mapping: "mappings/x.yaml", MappingError: "line 3: bad"}
		}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func TestListenAddr(t *testing.T) {
	for in, want := range map[string]string{":8080": "127.0.0.1:8080", "0.0.0.0:1": "0.0.0.0:1", "[::1]:2": "[::1]:2"} {
		if got := ListenAddr(in); got != want {
			t.Errorf("%s: %s want %s", in, got, want)
		}
	}
}

func TestMJPEGStreamUpdates(t *testing.T) {
	s := newTestServer(t)
	resp, err := http.Get("http://" + s.Addr() + "/stream/pose.mjpg")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	mt, params, err := mime.ParseMediaType(resp.Header.Get("Content-Type"))
	if err != nil || mt != "multipart/x-mixed-replace" {
		t.Fatalf("content type %q %v", resp.Header.Get("Content-Type"), err)
	}
	mr := multipart.NewReader(resp.Body, params["boundary"])
	colors := []color.RGBA{{255, 0, 0, 255}, {0, 0, 255, 255}}
	for i, c := range colors {
		// Offer frames until one of this colour arrives (frames before the client may be skipped).
		done := make(chan struct{})
		go func() {
			for seq := uint64(0); ; seq++ {
				select {
				case <-done:
					return
				case <-time.After(5 * time.Millisecond):
					s.WriteFrame(engine.StreamPose, solid(c, seq))
				}
			}
		}()
		for {
			part, err := mr.NextPart()
			if err != nil {
				close(done)
				t.Fatal(err)
			}
			img, err := jpeg.Decode(part)
			if err != nil {
				close(done)
				t.Fatal(err)
			}
			r, _, b, _ := img.At(10, 10).RGBA()
			if (i == 0 && r > 0xc000 && b < 0x4000) || (i == 1 && b > 0xc000 && r < 0x4000) {
				break
			}
		}
		close(done)
	}
	resp.Body.Close()
	s.WriteFrame(engine.StreamPose, solid(color.RGBA{0, 255, 0, 255}, 99))
	snap, err := http.Get("http://" + s.Addr() + "/snapshot/pose.jpg")
	if err != nil {
		t.Fatal(err)
	}
	img, err := jpeg.Decode(snap.Body)
	snap.Body.Close()
	if err != nil {
		t.Fatal(err)
	}
	if _, g, _, _ := img.At(5, 5).RGBA(); g < 0xc000 {
		t.Fatalf("snapshot is not the newest (green) frame: %v", img.At(5, 5))
	}
	st := s.Status()
	if st.Streams["pose"].Encoded < 2 || st.Streams["pose"].Frames < 2 {
		t.Fatalf("status %+v", st.Streams["pose"])
	}
}

func TestStatusAndStatic(t *testing.T) {
	s := newTestServer(t)
	s.Handle("GET /healthz", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "ok") }))
	base := "http://" + s.Addr()
	get := func(path string) (int, string) {
		resp, err := http.Get(base + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	tests := []struct {
		path string
		code int
		has  string
	}{
		{"/", 200, "<canvas id=\"plot-fps\""},
		{"/app.js", 200, "/api/status"},
		{"/healthz", 200, "ok"},
		{"/stream/nope.mjpg", 404, ""},
		{"/snapshot/input.jpg", 404, "no frame yet"},
		{"/../go.mod", 404, ""},
		{"/static/", 404, ""},
	}
	for _, tt := range tests {
		code, body := get(tt.path)
		if code != tt.code || !strings.Contains(body, tt.has) {
			t.Errorf("%s: %d %q", tt.path, code, body)
		}
	}
	resp, err := http.Post(base+"/api/status", "text/plain", nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("POST status: %d", resp.StatusCode)
	}
	_, body := get("/api/status")
	var st Status
	if err := json.Unmarshal([]byte(body), &st); err != nil {
		t.Fatal(err)
	}
	if st.Engine == nil || st.Engine.MappingError != "line 3: bad" || len(st.Engine.Stages) != 1 || len(st.Streams) != len(Streams) ||
		!slices.Equal(st.Order, Streams) {
		t.Fatalf("status %s", body)
	}
}
