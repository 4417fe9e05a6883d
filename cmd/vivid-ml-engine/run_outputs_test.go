package main

import (
	"context"
	"flag"
	"image"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/vivid-ml/vivid-ml-engine/engine"
	"github.com/vivid-ml/vivid-ml-engine/output/shm"
)

func TestOutputFlagErrors(t *testing.T) {
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"--shm-out", "a/b"}, `invalid value "a/b" for flag -shm-out: shm: bad segment name: "a/b" (want 1-64 of A-Z a-z 0-9 . _ -)`},
		{[]string{"--shm-out", "a:depth"}, `invalid value "a:depth" for flag -shm-out: unknown stream "depth" (want input, pose, diffusion, mask, matte or upscale)`},
		{[]string{"--td-shm", "a b"}, `invalid value "a b" for flag -td-shm: tdshm: bad name: "a b"`},
		{[]string{"--spout-out", `a\b`}, `invalid value "a\\b" for flag -spout-out: spout: bad sender name: "a\\b"`},
		{[]string{"--spout-out", "vivid out:depth"}, `invalid value "vivid out:depth" for flag -spout-out: unknown stream "depth" (want input, pose, diffusion, mask, matte or upscale)`},
	}
	for _, tt := range tests {
		fs := flag.NewFlagSet("run", flag.ContinueOnError)
		fs.SetOutput(io.Discard)
		registerOutputFlags(fs)
		if err := fs.Parse(tt.args); err == nil || err.Error() != tt.want {
			t.Errorf("%v: %v\nwant %s", tt.args, err, tt.want)
		}
	}
}

func TestStartOutputs(t *testing.T) {
	t.Setenv("VIVID_SHM_DIR", t.TempDir())
	fs := flag.NewFlagSet("run", flag.ContinueOnError)
	o := registerOutputFlags(fs)
	if err := fs.Parse([]string{"--shm-out", "o1", "--shm-out", "o2:pose", "--http", "127.0.0.1:0"}); err != nil {
		t.Fatal(err)
	}
	env := &runEnv{Logger: slog.New(slog.DiscardHandler), Params: engine.NewParamStore(engine.DefaultParams())}
	c, err := startOutputs(context.Background(), o, env)
	if err != nil {
		t.Fatal(err)
	}
	if len(env.FrameSinks) != 3 || o.Preview == nil {
		t.Fatalf("%d sinks, preview %v", len(env.FrameSinks), o.Preview)
	}
	f := &engine.Frame{Seq: 1, Captured: time.Now(), Image: image.NewRGBA(image.Rect(0, 0, 4, 2))}
	for _, s := range env.FrameSinks {
		s.WriteFrame(engine.StreamInput, f) // no diffusion stage: input is the default stream
	}
	r, err := shm.OpenReader("o1")
	if err != nil {
		t.Fatal(err)
	}
	if _, info, err := r.ReadFrame(nil); err != nil || info.Width != 4 {
		t.Fatalf("o1: %+v %v", info, err)
	}
	r.Close()
	if _, err := shm.OpenReader("o2"); err == nil {
		t.Fatal("o2 (pose stream) got an input frame")
	}
	resp, err := http.Get("http://" + o.Preview.Addr() + "/api/status")
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("status: %v", err)
	}
	resp.Body.Close()
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(shm.Dir(), "vivid-shm.o1")); !os.IsNotExist(err) {
		t.Fatalf("segment left: %v", err)
	}
}

func FuzzParseSize(f *testing.F) {
	for _, s := range []string{"640x360", "1x1", "0x5", "16385x1", "x", "12x", "-1x-1"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		w, h, err := parseSize(s)
		if err == nil && (w <= 0 || h <= 0 || w > 16384 || h > 16384) {
			t.Fatalf("%q accepted as %dx%d", s, w, h)
		}
	})
}
