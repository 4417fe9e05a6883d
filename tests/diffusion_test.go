package tests

import (
	"bytes"
	"encoding/json"
	"image"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
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
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("%v: %v\n%s", cmd.Args, err, stderr.String())
	}
	return out
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
	dir := t.TempDir()
	in := filepath.Join(dir, "in.png")
	diffWritePNG(t, in, 64)
	models := filepath.Join(dir, "tiny")
	diffRunOK(t, engine("models", "make-tiny-sdxl", models))
	for _, tc := range []struct {
		name  string
		setup func()
		args  []string
		want  string
	}{
		{"no steps", func() {}, []string{"--steps", "1", "--strength", "0.5"},
			"diffusion: steps × strength < 1 runs no step (1 steps × strength 0.5)"},
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
			if got := strings.TrimSpace(stderr.String()); got != "vivid-ml-engine diffusion: "+tc.want {
				t.Fatalf("stderr %q, want %q", got, "vivid-ml-engine diffusion: "+tc.want)
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
