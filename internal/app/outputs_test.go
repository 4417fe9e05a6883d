package app

import (
	"image"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/vivid-ml/vivid-ml-engine/engine"
	"github.com/vivid-ml/vivid-ml-engine/internal/conf"
	"github.com/vivid-ml/vivid-ml-engine/output/shm"
)

func TestStartOutputs(t *testing.T) {
	t.Setenv("VIVID_SHM_DIR", t.TempDir())
	o := conf.Outputs{SHM: []string{"o1", "o2:pose"}, HTTP: "127.0.0.1:0", SHMSlots: 3, Record: conf.Record{FPS: 30}}
	env := &runEnv{Logger: slog.New(slog.DiscardHandler), Params: engine.NewParamStore(engine.DefaultParams())}
	c, srv, err := startOutputs(o, env, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(env.FrameSinks) != 3 || srv == nil {
		t.Fatalf("%d sinks, preview %v", len(env.FrameSinks), srv)
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
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := shm.OpenReader("o2"); err == nil {
		t.Fatal("o2 (pose stream) got an input frame")
	}
	resp, err := http.Get("http://" + srv.Addr() + "/api/status")
	if err != nil || resp.StatusCode != http.StatusOK {
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
