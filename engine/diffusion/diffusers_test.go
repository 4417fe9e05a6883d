package diffusion_test

import (
	"encoding/json"
	"fmt"
	"image"
	"image/draw"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/vivid-ml/vivid-ml-engine/engine/diffusion"
	"github.com/vivid-ml/vivid-ml-engine/engine/diffusion/npy"
)

// goldenDir holds what scripts/gpu/diffusers_goldens.py wrote: tiny random-weight SDXL- and
// SD-2.1-shaped pipelines that diffusers built and torch exported, and diffusers' own
// img2img outputs on them.
const goldenDir = "testdata/diffusers"

// goldenCase is one entry of manifest.json.
type goldenCase struct {
	ID         string          `json:"id"`
	Model      string          `json:"model"`
	Scheduler  string          `json:"scheduler"`
	Steps      int             `json:"steps"`
	Strength   float64         `json:"strength"`
	Seed       uint64          `json:"seed"`
	Guidance   float64         `json:"guidance"`
	Prompt     string          `json:"prompt"`
	Negative   *string         `json:"negative"`
	Eta        float64         `json:"eta"`
	Error      string          `json:"error"`
	SchedCfg   json.RawMessage `json:"scheduler_config"`
	Timesteps  []float64       `json:"timesteps"`
	Prediction string          `json:"prediction"`
	Files      struct {
		Image, X0, Noise, Noised string
		Steps                    []string
		PromptEmbeds             string `json:"prompt_embeds"`
		NegativePromptEmbeds     string `json:"negative_prompt_embeds"`
		Pooled                   string `json:"pooled"`
		NegativePooled           string `json:"negative_pooled"`
	} `json:"files"`
}

type goldenManifest struct {
	Size     int               `json:"size"`
	Versions map[string]string `json:"versions"`
	Cases    []goldenCase      `json:"cases"`
}

func readManifest(t *testing.T) goldenManifest {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(goldenDir, "manifest.json"))
	if err != nil {
		t.Fatal(err)
	}
	var m goldenManifest
	if err := json.Unmarshal(data, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

func readNpy(t *testing.T, name string) []float32 {
	t.Helper()
	_, v, err := npy.Read(filepath.Join(goldenDir, "cases", name))
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// caseFolder is the golden model folder with the case's scheduler config: links to
// the exported models, its own scheduler/scheduler_config.json.
func caseFolder(t *testing.T, c goldenCase) string {
	t.Helper()
	src, err := filepath.Abs(filepath.Join(goldenDir, c.Model))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	ents, err := os.ReadDir(src)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range ents {
		if e.Name() == "scheduler" {
			continue
		}
		if err := os.Symlink(filepath.Join(src, e.Name()), filepath.Join(dir, e.Name())); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.MkdirAll(filepath.Join(dir, "scheduler"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "scheduler", "scheduler_config.json"), c.SchedCfg, 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

func readPNG(t *testing.T, path string) *image.RGBA {
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

// maxDiff is the largest |a−b| (+Inf when the lengths differ).
func maxDiff(a, b []float32) float64 {
	if len(a) != len(b) {
		return math.Inf(1)
	}
	m := 0.0
	for i := range a {
		m = max(m, math.Abs(float64(a[i])-float64(b[i])))
	}
	return m
}

// Tolerances of the acceptance criteria: latents and embeddings within 1e-4, image
// channels within 1 LSB of diffusers' (x·255).round().
const (
	latentTol = 1e-4
	imageTol  = 1
)

// TestDiffusersGoldens runs every golden case through the engine's pipeline, on the
// ONNX models diffusers' classes were exported to, and compares the prompt embeddings,
// the noised start latents, the latents after every step and the image with
// diffusers' StableDiffusion(XL)Img2ImgPipeline on the same weights and seed.
func TestDiffusersGoldens(t *testing.T) {
	initORT(t)
	m := readManifest(t)
	input := readPNG(t, filepath.Join(goldenDir, "input.png"))
	t.Logf("goldens from %v", m.Versions)
	// One pipeline per model folder and scheduler config: later cases run on a pipeline
	// that already made frames, as in the live stage.
	pipes := map[string]*diffusion.Pipeline{}
	defer func() {
		for _, p := range pipes {
			p.Close()
		}
	}()
	for _, c := range m.Cases {
		t.Run(c.ID, func(t *testing.T) {
			if c.Error != "" {
				t.Skipf("diffusers failed on this case when the goldens were made: %s", c.Error)
			}
			key := fmt.Sprint(c.Model, c.Scheduler, c.Eta, string(c.SchedCfg))
			p := pipes[key]
			if p == nil {
				eta := c.Eta
				var err error
				p, err = diffusion.Open(diffusion.Config{Dir: caseFolder(t, c), Backend: cpuBackend(t),
					Scheduler: c.Scheduler, Eta: &eta})
				if err != nil {
					t.Fatal(err)
				}
				pipes[key] = p
			}
			cond, err := p.EncodePrompt(c.Prompt)
			if err != nil {
				t.Fatal(err)
			}
			if d := maxDiff(cond.Context, readNpy(t, c.Files.PromptEmbeds)); d > latentTol {
				t.Errorf("prompt embeds differ by %.3g", d)
			}
			if c.Files.Pooled != "" {
				if d := maxDiff(cond.Pooled, readNpy(t, c.Files.Pooled)); d > latentTol {
					t.Errorf("pooled embeds differ by %.3g", d)
				}
			}
			req := diffusion.Request{Cond: cond, Steps: c.Steps, Strength: c.Strength, Seed: c.Seed, Guidance: c.Guidance, Size: m.Size}
			if c.Negative != nil && c.Guidance > 1 {
				if req.Uncond, err = p.EncodePrompt(*c.Negative); err != nil {
					t.Fatal(err)
				}
				if d := maxDiff(req.Uncond.Context, readNpy(t, c.Files.NegativePromptEmbeds)); d > latentTol {
					t.Errorf("negative prompt embeds differ by %.3g", d)
				}
			}
			var trace [][]float32
			req.Trace = func(_ int, lat []float32) { trace = append(trace, append([]float32(nil), lat...)) }
			out, err := p.Generate(req, input)
			if err != nil {
				t.Fatal(err)
			}
			want := append([]string{c.Files.Noised}, c.Files.Steps...)
			if len(trace) != len(want) {
				t.Fatalf("engine traced %d latents (noised + steps), diffusers %d", len(trace), len(want))
			}
			worst := 0.0
			for i, f := range want {
				d := maxDiff(trace[i], readNpy(t, f))
				worst = max(worst, d)
				if d > latentTol {
					t.Errorf("latents %s differ by %.3g", f, d)
				}
			}
			img := readNpy(t, c.Files.Image) // [H,W,3] in [0,1]
			lsb := 0
			for i := range len(img) / 3 {
				for ch := range 3 {
					w := int(math.Round(float64(img[3*i+ch]) * 255))
					g := int(out.Pix[4*i+ch])
					lsb = max(lsb, abs(g-w))
				}
			}
			if lsb > imageTol {
				t.Errorf("image differs by %d LSB", lsb)
			}
			t.Logf("%s steps %d strength %v seed %d guidance %v: latents within %.2g, image within %d LSB",
				c.Scheduler, c.Steps, c.Strength, c.Seed, c.Guidance, worst, lsb)
		})
	}
}

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}
