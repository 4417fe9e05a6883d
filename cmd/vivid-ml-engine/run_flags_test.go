package main

import (
	"flag"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/vivid-ml/vivid-ml-engine/internal/conf"
)

func writeConfig(t *testing.T, dir, body string) string {
	t.Helper()
	p := filepath.Join(dir, "c.yaml")
	if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// runConfig parses run's command line and loads the config it names, as run does.
func runConfig(t *testing.T, args ...string) (*runCommandFlags, *conf.Config) {
	t.Helper()
	k, err := newRunCommandFlags("run")
	if err != nil {
		t.Fatal(err)
	}
	k.fs.SetOutput(io.Discard)
	if err := k.fs.Parse(args); err != nil {
		t.Fatal(err)
	}
	cfg, err := k.load()
	if err != nil {
		t.Fatal(err)
	}
	return k, cfg
}

// TestNoFlagsIsTheDefaultConfig: run without flags runs the embedded default config, and
// the flags' defaults (shown by -h) are its values.
func TestNoFlagsIsTheDefaultConfig(t *testing.T) {
	k, cfg := runConfig(t)
	d, err := conf.Default()
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(cfg, d) {
		t.Errorf("config without flags\n%+v\nwant the default\n%+v", cfg, d)
	}
	for name, want := range map[string]string{"osc-in": "127.0.0.1:9001", "diffusion-size": "512", "shm-slots": "3",
		"record-fps": "30", "diffusion-eta": "-1", "diffusion-trt-fp16": "true", "pose-model": "movenet-lightning", "upscale-stream": "diffusion"} {
		if got := k.fs.Lookup(name).DefValue; got != want {
			t.Errorf("--%s default %q, want %q", name, got, want)
		}
	}
}

// TestEveryRunFlagIsAConfigKey: every run flag but --config writes a config key.
func TestEveryRunFlagIsAConfigKey(t *testing.T) {
	k, _ := runConfig(t)
	n := 0
	k.fs.VisitAll(func(f *flag.Flag) {
		n++
		if k.b.copy[f.Name] == nil && f.Name != "config" {
			t.Errorf("flag --%s is not bound to a config key", f.Name)
		}
	})
	if n < 55 {
		t.Fatalf("only %d run flags", n)
	}
}

// TestConfigPrecedence: default < file < flags; a repeatable flag replaces the list;
// relative paths in the file are against its folder.
func TestConfigPrecedence(t *testing.T) {
	dir := t.TempDir()
	p := writeConfig(t, dir, `
control:
  osc_in: 0.0.0.0:9100
  osc_allow: [10.0.0.0/8]
  feedback: ["127.0.0.1:9200", "127.0.0.1:9201"]
  mappings: [a.yaml, /etc/b.yaml]
  presets: presets.yaml
diffusion:
  model: models/sdxl
  size: 768
  providers: cuda,cpu
  trt_fp16: false
  scheduler: lcm
outputs:
  shm: [vivid, "poses:pose"]
  http: 127.0.0.1:8081
  record: {path: out/rec.mp4, stream: input, fps: 25}
operators:
  upscale: {scale: 4, model: esrgan-thick, stream: mask}
pose:
  model: movenet-multipose
  tracker_max_age: 500ms
`)
	_, cfg := runConfig(t, "--config", p, "--feedback", "127.0.0.1:9300", "--diffusion-size", "512",
		"--diffusion-trt-fp16=true", "--shm-out", "other:input", "--http", "127.0.0.1:9999", "--upscale-model", "esrgan-medium",
		"--frames", "3", "--source", "stdin:8x8", "--osc-out", "127.0.0.1:9555", "--osc-out", "[::1]:9556")
	c, d, o := cfg.Control, cfg.Diffusion, cfg.Outputs
	// From the file, relative paths against its folder.
	if c.OSCIn != "0.0.0.0:9100" || !reflect.DeepEqual(c.OSCAllow, []string{"10.0.0.0/8"}) ||
		!reflect.DeepEqual(c.Mappings, []string{filepath.Join(dir, "a.yaml"), "/etc/b.yaml"}) || c.Presets != filepath.Join(dir, "presets.yaml") {
		t.Errorf("control %+v", c)
	}
	if d.Model != filepath.Join(dir, "models/sdxl") || d.Providers != "cuda,cpu" || d.Scheduler != "lcm" {
		t.Errorf("diffusion %+v", d)
	}
	if o.Record.Path != filepath.Join(dir, "out/rec.mp4") || o.Record.Stream != "input" || o.Record.FPS != 25 {
		t.Errorf("record %+v", o.Record)
	}
	if cfg.Pose.Model != "movenet-multipose" || cfg.Pose.TrackerMaxAge != 500*time.Millisecond || !cfg.Pose.Smoothing ||
		cfg.OSCOut.Prefix != "/pose" {
		t.Errorf("pose %+v, osc_out %+v", cfg.Pose, cfg.OSCOut)
	}
	// From the flags: they win, lists replaced rather than merged, explicit false/true too.
	if !reflect.DeepEqual(c.Feedback, []string{"127.0.0.1:9300"}) || d.Size != 512 || !d.TRTFP16 {
		t.Errorf("feedback %v, size %d, trt_fp16 %v", c.Feedback, d.Size, d.TRTFP16)
	}
	if !reflect.DeepEqual(o.SHM, []string{"other:input"}) || o.HTTP != "127.0.0.1:9999" {
		t.Errorf("shm %v, http %q", o.SHM, o.HTTP)
	}
	if u := cfg.Operators.Upscale; u.Scale != 4 || u.Model != "esrgan-medium" || u.Stream != "mask" || cfg.Frames != 3 {
		t.Errorf("upscale %+v, frames %d", u, cfg.Frames)
	}
	if cfg.Source.Spec != "stdin:8x8" || !reflect.DeepEqual(cfg.OSCOut.Targets, []string{"127.0.0.1:9555", "[::1]:9556"}) {
		t.Errorf("source %q, targets %v", cfg.Source.Spec, cfg.OSCOut.Targets)
	}

	// Without flags the file's lists stand.
	_, cfg = runConfig(t, "--config", p)
	if len(cfg.Control.Feedback) != 2 || !reflect.DeepEqual(cfg.Outputs.SHM, []string{"vivid", "poses:pose"}) ||
		cfg.Outputs.HTTP != "127.0.0.1:8081" || cfg.Diffusion.Size != 768 || cfg.Diffusion.TRTFP16 {
		t.Errorf("file values lost: %+v %+v", cfg.Control, cfg.Outputs)
	}
}

// TestBadFlagValues: values a flag cannot check alone fail validation, naming the key.
func TestBadFlagValues(t *testing.T) {
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--osc-out", "9000"}, `--osc-out "9000": want HOST:PORT`},
		{[]string{"--diffusion-size", "500"}, "config: diffusion.size 500: want a positive multiple of 8"},
	} {
		k, err := newRunCommandFlags("run")
		if err != nil {
			t.Fatal(err)
		}
		if err := k.fs.Parse(c.args); err != nil {
			t.Fatal(err)
		}
		if _, err := k.load(); err == nil || err.Error() != c.want {
			t.Errorf("%v: %v, want %s", c.args, err, c.want)
		}
	}
}
