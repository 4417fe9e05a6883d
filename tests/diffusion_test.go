package tests

import (
	"bytes"
	"encoding/json"
	"image"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// diffDevORTLib is the development copy of ONNX Runtime on the project's build machine;
// `make test` provisions the cached library instead.
const diffDevORTLib = "/work/npm-cache-dev/x/package/bin/napi-v6/linux/x64/libonnxruntime.so.1"

// diffusionEngine is engine(args...) with ONNX Runtime's library: $ONNXRUNTIME_LIB, the
// development copy, or (neither) the model cache that `make provision` filled.
func diffusionEngine(args ...string) *exec.Cmd {
	cmd := engine(args...)
	if os.Getenv("ONNXRUNTIME_LIB") == "" {
		if _, err := os.Stat(diffDevORTLib); err == nil {
			cmd.Env = append(os.Environ(), "ONNXRUNTIME_LIB="+diffDevORTLib)
		}
	}
	return cmd
}

func diffRunOK(t *testing.T, cmd *exec.Cmd) []byte {
	t.Helper()
	out, stderr, err := runCLI(t, 5*time.Minute, cmd)
	if err != nil {
		t.Fatalf("%v: %v\n%s", cmd.Args, err, stderr)
	}
	return out
}

// tinyFixture makes a temporary folder with an input PNG (size²) and a tiny SDXL folder.
func tinyFixture(t *testing.T, size int) (dir, in, models string) {
	t.Helper()
	dir = t.TempDir()
	in = filepath.Join(dir, "in.png")
	diffWritePNG(t, in, size)
	models = filepath.Join(dir, "tiny")
	diffRunOK(t, engine("models", "make-tiny-sdxl", models))
	return dir, in, models
}

func diffWritePNG(t *testing.T, path string, size int) {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, size, size))
	for i := range img.Pix {
		img.Pix[i] = uint8(i * 13)
	}
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := png.Encode(f, img); err != nil {
		t.Fatal(err)
	}
}

// TestDiffusionRunTiny: make-tiny-sdxl, then `diffusion run` twice with the same seed
// gives identical PNG bytes, another seed a different picture; fp16 models work too.
func TestDiffusionRunTiny(t *testing.T) {
	dir := t.TempDir()
	in := filepath.Join(dir, "in.png")
	diffWritePNG(t, in, 80) // not the working size: resized to 64²
	for _, variant := range []struct {
		name string
		args []string
	}{{"fp32", nil}, {"fp16", []string{"--fp16"}}} {
		t.Run(variant.name, func(t *testing.T) {
			models := filepath.Join(dir, "tiny-"+variant.name)
			diffRunOK(t, engine(append(append([]string{"models", "make-tiny-sdxl"}, variant.args...), models)...))
			run := func(out, seed string) []byte {
				diffRunOK(t, diffusionEngine("diffusion", "run", "--model", models, "--input", in, "--prompt", "a photo of a cat",
					"--steps", "4", "--strength", "0.5", "--seed", seed, "--size", "64", "--threads", "1", "--out", out))
				b, err := os.ReadFile(out)
				if err != nil {
					t.Fatal(err)
				}
				img, err := png.Decode(bytes.NewReader(b))
				if err != nil {
					t.Fatal(err)
				}
				if img.Bounds().Dx() != 64 || img.Bounds().Dy() != 64 {
					t.Fatalf("output is %v, want 64×64", img.Bounds())
				}
				st, err := os.Stat(out)
				if err != nil {
					t.Fatal(err)
				}
				if st.Mode().Perm() != 0o644&^umask() {
					t.Fatalf("output mode %v, want %v", st.Mode().Perm(), 0o644&^umask())
				}
				return b
			}
			a := run(filepath.Join(dir, variant.name+"-a.png"), "7")
			b := run(filepath.Join(dir, variant.name+"-b.png"), "7")
			if !bytes.Equal(a, b) {
				t.Fatal("same seed gave different PNG bytes")
			}
			if bytes.Equal(a, run(filepath.Join(dir, variant.name+"-c.png"), "8")) {
				t.Fatal("seeds 7 and 8 gave identical PNGs")
			}
		})
	}
}

// TestDiffusionErrors: a folder missing a file, and steps × strength < 1, fail with a clear message.
func TestDiffusionErrors(t *testing.T) {
	dir, in, models := tinyFixture(t, 64)
	empty := t.TempDir() // no models at all: what is checked before loading them still says what is wrong
	for _, tc := range []struct {
		name  string
		setup func()
		args  []string
		want  string
	}{
		{"no steps", func() {}, []string{"--steps", "1", "--strength", "0.5"},
			"diffusion: steps × strength < 1 runs no step (1 steps × strength 0.5)"},
		{"no steps before loading models", func() {}, []string{"--model", empty, "--steps", "1", "--strength", "0.5"},
			"diffusion: steps × strength < 1 runs no step (1 steps × strength 0.5)"},
		{"size before loading models", func() {}, []string{"--model", empty, "--size", "60"},
			"--size 60: want a positive multiple of 8"},
		{"strength out of range before loading models", func() {}, []string{"--model", empty, "--strength", "1.5"},
			"diffusion: strength must be within [0, 1]: 1.5"},
		{"missing vae decoder", func() { os.Remove(filepath.Join(models, "vae_decoder", "model.onnx")) }, nil,
			"diffusion: model folder is missing a file: " + filepath.Join(models, "vae_decoder", "model.onnx")},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.setup()
			args := append([]string{"diffusion", "run", "--model", models, "--input", in, "--prompt", "x", "--size", "64",
				"--out", filepath.Join(dir, "out.png")}, tc.args...)
			cmd := diffusionEngine(args...)
			var stderr bytes.Buffer
			cmd.Stderr = &stderr
			if err := cmd.Run(); err == nil {
				t.Fatal("succeeded")
			}
			lines := strings.Split(strings.TrimSpace(stderr.String()), "\n")
			if got := lines[len(lines)-1]; got != "vivid-ml-engine diffusion: "+tc.want {
				t.Fatalf("last stderr line %q, want %q", got, "vivid-ml-engine diffusion: "+tc.want)
			}
		})
	}
}

// TestBenchDiffusion: the bench prints one JSON line with every stage time.
func TestBenchDiffusion(t *testing.T) {
	out := diffRunOK(t, diffusionEngine("bench", "diffusion", "--size", "64", "--frames", "2", "--threads", "1"))
	var res map[string]any
	if err := json.Unmarshal(out, &res); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	for _, k := range []string{"tokenize_ms", "text_encode_ms", "vae_encode_ms", "unet_step_ms", "scheduler_ms", "vae_decode_ms", "overhead_ms"} {
		if _, ok := res[k]; !ok {
			t.Errorf("no %s in %s", k, out)
		}
	}
	if steps, _ := res["unet_step_ms"].([]any); len(steps) != 2 {
		t.Errorf("unet_step_ms %v, want 2 steps (4 × 0.5)", res["unet_step_ms"])
	}
}

// TestDiffusionProviderFallback: with a CPU-only ONNX Runtime, tensorrt and cuda are
// skipped (each logged with ORT's reason) and every model runs on the CPU; a per-model
// override keeps the text encoders off the GPU list entirely.
func TestDiffusionProviderFallback(t *testing.T) {
	dir := t.TempDir()
	in := filepath.Join(dir, "in.png")
	diffWritePNG(t, in, 64)
	models := filepath.Join(dir, "tiny")
	diffRunOK(t, engine("models", "make-tiny-sdxl", models))
	cmd := diffusionEngine("diffusion", "run", "--model", models, "--input", in, "--prompt", "x", "--size", "64",
		"--providers", "tensorrt,cuda,cpu;text_encoder=cpu;text_encoder_2=cpu", "--out", filepath.Join(dir, "out.png"))
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("%v\n%s", err, stderr.String())
	}
	var res struct{ Providers []string }
	if err := json.Unmarshal(out, &res); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	if !slices.Equal(res.Providers, []string{"cpu", "cpu", "cpu", "cpu", "cpu"}) {
		t.Skipf("GPU providers available here (%v): the fallback path is not exercised", res.Providers)
	}
	log := stderr.String()
	for _, want := range []string{
		"provider=tensorrt model=" + filepath.Join(models, "unet", "model.onnx"),
		"provider=cuda model=" + filepath.Join(models, "vae_decoder", "model.onnx"),
	} {
		if !strings.Contains(log, `msg="execution provider skipped" `+want) {
			t.Errorf("log lacks the skip of %s:\n%s", want, log)
		}
	}
	if te := filepath.Join(models, "text_encoder", "model.onnx"); strings.Contains(log, "provider=tensorrt model="+te) ||
		strings.Contains(log, "provider=cuda model="+te) {
		t.Errorf("text_encoder was tried on a GPU provider despite text_encoder=cpu:\n%s", log)
	}
}

// TestRunDiffusionStage: `run --diffusion-model` puts the stage into the frame loop;
// its output stream (the default recording stream when diffusion runs) reaches ffmpeg.
func TestRunDiffusionStage(t *testing.T) {
	needTool(t, "ffmpeg")
	ffprobe := needTool(t, "ffprobe")
	dir := t.TempDir()
	models := filepath.Join(dir, "tiny")
	diffRunOK(t, engine("models", "make-tiny-sdxl", models))
	cfg := filepath.Join(dir, "cfg.yaml")
	yaml := "source:\n  spec: testpattern\n  width: 64\n  height: 64\n  fps: 10\npose:\n  enabled: false\nosc_out:\n  targets: []\n"
	if err := os.WriteFile(cfg, []byte(yaml), 0o644); err != nil {
		t.Fatal(err)
	}
	rec := filepath.Join(dir, "out.mp4")
	eng := startCmd(t, diffusionEngine(withFreeListeners([]string{"run", "--config", cfg, "--frames", "5", "--diffusion-model", models,
		"--diffusion-size", "64", "--diffusion-threads", "1", "--record", rec})...))
	if err := eng.wait(t, 3*time.Minute); err != nil {
		t.Fatalf("%v\n%s", err, eng)
	}
	if log := eng.String(); !strings.Contains(log, `msg="diffusion stage ready"`) || !strings.Contains(log, "stream=diffusion") {
		t.Fatalf("no diffusion stage / stream in the log:\n%s", log)
	}
	out, err := exec.Command(ffprobe, "-v", "error", "-count_frames", "-select_streams", "v:0",
		"-show_entries", "stream=nb_read_frames,width,height", "-of", "json", rec).Output()
	if err != nil {
		t.Fatalf("ffprobe: %v", err)
	}
	var probe struct {
		Streams []struct {
			Width, Height int
			Frames        string `json:"nb_read_frames"`
		}
	}
	if err := json.Unmarshal(out, &probe); err != nil || len(probe.Streams) != 1 {
		t.Fatalf("ffprobe output %s: %v", out, err)
	}
	s := probe.Streams[0]
	if s.Width != 64 || s.Height != 64 || s.Frames == "0" || s.Frames == "" {
		t.Fatalf("recording %+v, want ≥ 1 frame of 64×64", s)
	}
}

// TestDiffusionDeviceLoop: through the binary, `diffusion run --backend go` runs the
// whole frame as one device loop (the xla backend's path, on the pure-Go backend) and
// gives the picture of the same backend's host loop (`--host-loop`) and of ONNX
// Runtime, byte for byte within one level; `bench diffusion` says which loop ran.
func TestDiffusionDeviceLoop(t *testing.T) {
	dir, in, models := tinyFixture(t, 80)
	run := func(name string, extra ...string) *image.RGBA {
		out := filepath.Join(dir, name+".png")
		args := append([]string{"diffusion", "run", "--model", models, "--input", in, "--prompt", "a photo of a cat",
			"--steps", "4", "--strength", "0.75", "--seed", "11", "--size", "64", "--threads", "1", "--out", out}, extra...)
		diffRunOK(t, diffusionEngine(args...))
		return decodePNG(t, out)
	}
	device := run("device", "--backend", "go")
	for _, ref := range []struct {
		name string
		img  *image.RGBA
	}{{"go host loop", run("host", "--backend", "go", "--host-loop")}, {"ort", run("ort")}} {
		off := 0
		for i, v := range device.Pix {
			if d := int(v) - int(ref.img.Pix[i]); d > 1 || d < -1 {
				off++
			}
		}
		if off > 0 {
			t.Errorf("device loop vs %s: %d of %d bytes differ by more than 1", ref.name, off, len(device.Pix))
		}
	}
	for _, c := range []struct {
		args []string
		want bool
	}{{[]string{"--backend", "go"}, true}, {[]string{"--backend", "go", "--host-loop"}, false}, {nil, false}} {
		args := append([]string{"bench", "diffusion", "--model", models, "--size", "64", "--frames", "1", "--threads", "1"}, c.args...)
		out := diffRunOK(t, diffusionEngine(args...))
		var res map[string]any
		if err := json.Unmarshal(out, &res); err != nil {
			t.Fatalf("%v: %s", err, out)
		}
		if res["device_loop"] != c.want {
			t.Errorf("%v: device_loop %v, want %v", c.args, res["device_loop"], c.want)
		}
	}
}
