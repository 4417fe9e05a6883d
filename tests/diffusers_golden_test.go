package tests

import (
	"bytes"
	"encoding/json"
	"fmt"
	"image"
	"image/draw"
	"image/png"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/vivid-ml/vivid-ml-engine/engine/diffusion/npy"
)

// diffusersGoldens is what scripts/gpu/diffusers_goldens.py wrote: diffusers-built tiny
// SDXL and SD-2.1 pipelines exported to ONNX, and diffusers' own outputs on them.
const diffusersGoldens = "../engine/diffusion/testdata/diffusers"

// TestDiffusionRunMatchesDiffusers: `diffusion run` on the exported SD-2.1-shaped and
// SDXL-shaped folders (their Euler-trailing scheduler, or TCD and Euler-ancestral by
// flag; --rng torch by default; without and with guidance and a negative prompt) writes
// the picture diffusers' img2img pipeline made for the same seed, within 1 LSB per channel.
func TestDiffusionRunMatchesDiffusers(t *testing.T) {
	for _, tc := range []struct {
		model, id string
		extra     []string
	}{
		{"sd21", "sd21_00_euler", nil}, {"sdxl", "sdxl_00_euler", nil},
		{"sd21", "sd21_02_euler", nil}, {"sdxl", "sdxl_02_euler", nil},
		// The folder's scheduler config with another class and eta, as the flags give them.
		{"sdxl", "sdxl_16_tcd", []string{"--scheduler", "tcd", "--eta", "0.3"}},
		{"sd21", "sd21_18_tcd", []string{"--scheduler", "tcd", "--eta", "0"}},
		{"sdxl", "sdxl_06_euler-ancestral", []string{"--scheduler", "euler-ancestral"}},
	} {
		t.Run(tc.id, func(t *testing.T) {
			c := goldenCase(t, tc.id)
			out := filepath.Join(t.TempDir(), "out.png")
			args := []string{"diffusion", "run", "--model", filepath.Join(diffusersGoldens, tc.model),
				"--input", filepath.Join(diffusersGoldens, "input.png"), "--prompt", c.Prompt,
				"--steps", fmt.Sprint(c.Steps), "--strength", fmt.Sprint(c.Strength), "--seed", fmt.Sprint(c.Seed),
				"--guidance", fmt.Sprint(c.Guidance), "--size", "64", "--threads", "1", "--out", out}
			if c.Negative != nil {
				args = append(args, "--negative", *c.Negative)
			}
			args = append(args, tc.extra...)
			res := diffRunOK(t, diffusionEngine(args...))
			var info struct{ Family, RNG string }
			if err := json.Unmarshal(res, &info); err != nil {
				t.Fatalf("%v: %s", err, res)
			}
			want := map[string]string{"sd21": "sd", "sdxl": "sdxl"}[tc.model]
			if info.Family != want || info.RNG != "torch" {
				t.Errorf("run reports family %q rng %q, want %q torch", info.Family, info.RNG, want)
			}
			got := decodePNG(t, out)
			_, img, err := npy.Read(filepath.Join(diffusersGoldens, "cases", c.Files.Image))
			if err != nil {
				t.Fatal(err)
			}
			lsb := 0
			for i := range len(img) / 3 {
				for ch := range 3 {
					d := int(got.Pix[4*i+ch]) - int(math.Round(float64(img[3*i+ch])*255))
					lsb = max(lsb, d, -d)
				}
			}
			if lsb > 1 {
				t.Fatalf("image differs from diffusers' by %d LSB", lsb)
			}
			t.Logf("%s: within %d LSB of diffusers", tc.id, lsb)
		})
	}
}

// TestDiffusionRunMismatchedFolder: an SD folder whose text encoder is narrower than the
// UNet's context is refused with the model, the input and both widths.
func TestDiffusionRunMismatchedFolder(t *testing.T) {
	dir := t.TempDir()
	src, err := filepath.Abs(filepath.Join(diffusersGoldens, "sd21"))
	if err != nil {
		t.Fatal(err)
	}
	ents, err := os.ReadDir(src)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range ents {
		target := filepath.Join(src, e.Name())
		if e.Name() == "text_encoder" {
			if target, err = filepath.Abs(filepath.Join(diffusersGoldens, "sdxl", "text_encoder")); err != nil {
				t.Fatal(err)
			}
		}
		if err := os.Symlink(target, filepath.Join(dir, e.Name())); err != nil {
			t.Fatal(err)
		}
	}
	cmd := diffusionEngine("diffusion", "run", "--model", dir, "--input", filepath.Join(diffusersGoldens, "input.png"),
		"--prompt", "x", "--size", "64", "--out", filepath.Join(t.TempDir(), "out.png"))
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err == nil {
		t.Fatal("succeeded")
	} else if _, ok := err.(*exec.ExitError); !ok {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(stderr.String()), "\n")
	want := "vivid-ml-engine diffusion: diffusion: unexpected model inputs/outputs: unet/model.onnx input encoder_hidden_states " +
		"is 40 wide, but text_encoder/model.onnx last_hidden_state is 32 wide"
	if got := lines[len(lines)-1]; got != want {
		t.Fatalf("last stderr line\n got %q\nwant %q", got, want)
	}
}

type diffusersCase struct {
	ID       string  `json:"id"`
	Prompt   string  `json:"prompt"`
	Steps    int     `json:"steps"`
	Strength float64 `json:"strength"`
	Seed     uint64  `json:"seed"`
	Guidance float64 `json:"guidance"`
	Negative *string `json:"negative"`
	Files    struct {
		Image string `json:"image"`
	} `json:"files"`
}

func goldenCase(t *testing.T, id string) diffusersCase {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(diffusersGoldens, "manifest.json"))
	if err != nil {
		t.Fatal(err)
	}
	var m struct{ Cases []diffusersCase }
	if err := json.Unmarshal(data, &m); err != nil {
		t.Fatal(err)
	}
	for _, c := range m.Cases {
		if c.ID == id {
			return c
		}
	}
	t.Fatalf("manifest has no case %s", id)
	return diffusersCase{}
}

func decodePNG(t *testing.T, path string) *image.RGBA {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	src, err := png.Decode(f)
	if err != nil {
		t.Fatal(err)
	}
	dst := image.NewRGBA(src.Bounds())
	draw.Draw(dst, dst.Bounds(), src, image.Point{}, draw.Src)
	return dst
}
