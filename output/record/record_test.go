package record

import (
	"encoding/json"
	"errors"
	"image"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/vivid-ml/vivid-ml-engine/engine"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func need(t *testing.T, tool string) {
	if _, err := exec.LookPath(tool); err != nil {
		if os.Getenv("VIVID_E2E_STRICT") != "" {
			t.Fatalf("%s not found", tool)
		}
		t.Skipf("%s not found", tool)
	}
}

func TestRecordThenProbe(t *testing.T) {
	need(t, "ffmpeg")
	need(t, "ffprobe")
	out := filepath.Join(t.TempDir(), "out.mp4")
	r, err := New(Config{Path: out, Stream: engine.StreamDiffusion, FPS: 10, Queue: 64, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 12; i++ {
		img := image.NewRGBA(image.Rect(0, 0, 66, 50))
		for p := 0; p < len(img.Pix); p += 4 {
			img.Pix[p], img.Pix[p+1], img.Pix[p+3] = byte(i*20), byte(p), 255
		}
		f := &engine.Frame{Seq: uint64(i + 1), Captured: time.Now(), Image: img}
		r.WriteFrame(engine.StreamInput, f) // other streams are ignored
		r.WriteFrame(engine.StreamDiffusion, f)
	}
	r.WriteFrame(engine.StreamDiffusion, &engine.Frame{Image: image.NewRGBA(image.Rect(0, 0, 8, 8))})
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}
	written, dropped, sized := r.Stats()
	probe, err := exec.Command("ffprobe", "-v", "error", "-count_frames", "-select_streams", "v:0",
		"-show_entries", "stream=codec_name,width,height,nb_read_frames", "-of", "json", out).Output()
	if err != nil {
		t.Fatal(err)
	}
	var p struct {
		Streams []struct {
			Codec  string `json:"codec_name"`
			Width  int    `json:"width"`
			Height int    `json:"height"`
			Frames string `json:"nb_read_frames"`
		} `json:"streams"`
	}
	if err := json.Unmarshal(probe, &p); err != nil {
		t.Fatal(err)
	}
	wantCodec := map[string]string{"libx264": "h264", "mpeg4": "mpeg4"}[r.Codec()]
	if len(p.Streams) != 1 || p.Streams[0].Codec != wantCodec || p.Streams[0].Width != 66 || p.Streams[0].Height != 50 ||
		p.Streams[0].Frames != "12" || written != 12 || dropped != 0 || sized != 1 {
		t.Fatalf("probe %s, written %d dropped %d size-dropped %d", probe, written, dropped, sized)
	}
}

func TestNoFFmpeg(t *testing.T) {
	_, err := New(Config{Path: "x.mp4", FFmpeg: "no-such-ffmpeg-binary"})
	if !errors.Is(err, ErrNoFFmpeg) {
		t.Fatalf("err %v", err)
	}
}

func TestFFmpegFailureIsReported(t *testing.T) {
	need(t, "ffmpeg")
	r, err := New(Config{Path: filepath.Join(t.TempDir(), "missing-dir", "out.mp4"), Stream: "input",
		Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	r.WriteFrame("input", &engine.Frame{Image: image.NewRGBA(image.Rect(0, 0, 16, 16))})
	if err := r.Close(); err == nil {
		t.Fatal("no error for an unwritable output")
	}
}
