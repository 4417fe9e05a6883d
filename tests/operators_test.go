package tests

import (
	"fmt"
	"image"
	"image/png"
	"math"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// realPhoto is a real photograph that is on every machine that builds the engine: two people
// on a stage, 150×103, from golang.org/x/image's testdata (a module the engine depends on;
// BSD licence), found through the module cache so nothing is copied into this repository.
func realPhoto(t *testing.T) string {
	t.Helper()
	out, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", "golang.org/x/image").Output()
	if err != nil {
		skipOrFail(t, fmt.Sprintf("golang.org/x/image not in the module cache: %v", err))
	}
	p := filepath.Join(strings.TrimSpace(string(out)), "testdata", "video-001.png")
	if _, err := os.Stat(p); err != nil {
		skipOrFail(t, fmt.Sprintf("real photo missing: %v", err))
	}
	return p
}

// photoRGB writes the photo at path as raw RGB bytes into dir and returns that file and the size.
func photoRGB(t *testing.T, dir, path string) (rgbPath string, w, h int) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatal(err)
	}
	b := img.Bounds()
	rgb := make([]byte, 0, 3*b.Dx()*b.Dy())
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			r, g, bb, _ := img.At(x, y).RGBA()
			rgb = append(rgb, byte(r>>8), byte(g>>8), byte(bb>>8))
		}
	}
	rgbPath = filepath.Join(dir, "photo.rgb")
	if err := os.WriteFile(rgbPath, rgb, 0o644); err != nil {
		t.Fatal(err)
	}
	return rgbPath, b.Dx(), b.Dy()
}

// testImage renders conformance pattern name at w×h and writes it as PNG (for the engine) and
// as raw RGB bytes (for the TFJS pipeline); it returns both paths. Pattern "photo" is realPhoto
// (w and h are then its own size).
func testImage(t *testing.T, dir, name string, w, h int) (pngPath, rgbPath string) {
	t.Helper()
	if name == "photo" {
		p := realPhoto(t)
		rgb, pw, ph := photoRGB(t, dir, p)
		if pw != w || ph != h {
			t.Fatalf("photo is %dx%d, the case says %dx%d", pw, ph, w, h)
		}
		return p, rgb
	}
	for k, g := range conformancePatterns {
		if g.name != name {
			continue
		}
		px := make([]int32, w*h*3)
		g.draw(px, h, w, rand.New(rand.NewPCG(uint64(k), uint64(h*1000+w))))
		img := image.NewRGBA(image.Rect(0, 0, w, h))
		rgb := make([]byte, len(px))
		for i := range w * h {
			for c := range 3 {
				rgb[3*i+c] = byte(px[3*i+c])
				img.Pix[4*i+c] = byte(px[3*i+c])
			}
			img.Pix[4*i+3] = 255
		}
		base := filepath.Join(dir, fmt.Sprintf("%s-%dx%d", name, w, h))
		f, err := os.Create(base + ".png")
		if err != nil {
			t.Fatal(err)
		}
		if err := png.Encode(f, img); err != nil {
			t.Fatal(err)
		}
		if err := f.Close(); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(base+".rgb", rgb, 0o644); err != nil {
			t.Fatal(err)
		}
		return base + ".png", base + ".rgb"
	}
	t.Fatalf("no pattern %q", name)
	return "", ""
}

// maxDiff is the largest |a−b| (NaN counts as infinite); lengths must match.
func maxDiff(t *testing.T, a, b []float32) float64 {
	t.Helper()
	if len(a) != len(b) {
		t.Fatalf("lengths differ: %d vs %d", len(a), len(b))
	}
	worst := 0.0
	for i := range a {
		d := math.Abs(float64(a[i] - b[i]))
		if math.IsNaN(d) {
			return math.Inf(1)
		}
		worst = max(worst, d)
	}
	return worst
}

// readPNGChannel decodes a PNG and returns channel c of every pixel as 0..255 (gray: c ignored).
func readPNGChannel(t *testing.T, path string, c int) ([]int, image.Rectangle) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatal(err)
	}
	b := img.Bounds()
	out := make([]int, 0, b.Dx()*b.Dy())
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			switch g := img.(type) {
			case *image.Gray:
				out = append(out, int(g.GrayAt(x, y).Y))
			default:
				r, gg, bb, _ := img.At(x, y).RGBA()
				out = append(out, int([3]uint32{r, gg, bb}[c]>>8))
			}
		}
	}
	return out, b
}

// TestSegmentMatchesTFJS runs `segment` through the binary on procedural frames of sizes other
// than the model's and compares its mask with the TFJS pipeline (tests/tfjs/pipeline.mjs):
// float mask within 1e-3, PNG within 1 of round(mask·255). Cases with a backend run on it
// (go: GoMLX's pure-Go backend on the XLA lowering; default: ONNX Runtime's CPU provider).
func TestSegmentMatchesTFJS(t *testing.T) {
	node, rig := tfjsRig(t)
	for _, c := range []struct {
		model, pattern string
		w, h           int
		backend        string
	}{
		{"selfie", "figure-center", 320, 240, ""}, {"selfie", "two-figures", 180, 300, ""},
		{"meet", "figure-big", 320, 180, ""}, {"meet", "circles", 200, 150, ""},
		{"selfie", "photo", 150, 103, ""}, {"meet", "photo", 150, 103, ""},
		{"selfie", "photo", 150, 103, "go"}, {"meet", "figure-big", 320, 180, "go"},
	} {
		t.Run(fmt.Sprintf("%s-%s-%dx%d%s", c.model, c.pattern, c.w, c.h, backendSuffix(c.backend)), func(t *testing.T) {
			dir := t.TempDir()
			pngPath, rgbPath := testImage(t, dir, c.pattern, c.w, c.h)
			maskPNG, rawOut, refOut := filepath.Join(dir, "mask.png"), filepath.Join(dir, "mask.f32"), filepath.Join(dir, "ref.f32")
			args := slices.Concat([]string{"segment", "--offline"}, backendArgs(c.backend),
				[]string{"--model", c.model, "--out", maskPNG, "--raw", rawOut, pngPath})
			if b, err := engine(args...).CombinedOutput(); err != nil {
				t.Fatalf("segment: %v\n%s", err, b)
			}
			cmd := exec.Command(node, filepath.Join(rig, "pipeline.mjs"), "segment", tfjsModelPath(t, c.model), rgbPath,
				strconv.Itoa(c.w), strconv.Itoa(c.h), refOut)
			if b, err := cmd.CombinedOutput(); err != nil {
				t.Fatalf("tfjs pipeline: %v\n%s", err, b)
			}
			got, want := readFloat32s(t, rawOut), readFloat32s(t, refOut)
			d := maxDiff(t, got, want)
			if d > conformanceTolerance {
				t.Errorf("mask differs from TFJS by %.3g (> %g)", d, conformanceTolerance)
			}
			gray, b := readPNGChannel(t, maskPNG, 0)
			if b.Dx() != c.w || b.Dy() != c.h {
				t.Fatalf("mask PNG is %v, want %dx%d", b, c.w, c.h)
			}
			lsb, cover := 0, 0.0
			for i, v := range gray {
				lsb = max(lsb, int(math.Abs(float64(v)-math.Round(float64(want[i])*255))))
				cover += float64(want[i])
			}
			if lsb > 1 {
				t.Errorf("PNG differs from round(tfjs·255) by %d levels", lsb)
			}
			t.Logf("mask max |Δ| %.3g, PNG max %d level(s), TFJS coverage %.3f", d, lsb, cover/float64(len(want)))
		})
	}
}

// TestUpscaleMatchesTFJS runs `upscale` through the binary (whole frame, --tile 0) and compares
// its output before 8-bit rounding with tfjs-layers on the original model: within 1e-3 of full
// range. It also checks that tiling with the default overlap gives the same picture. Cases
// with a backend run on it, as in TestSegmentMatchesTFJS.
func TestUpscaleMatchesTFJS(t *testing.T) {
	node, rig := tfjsRig(t)
	for _, c := range []struct {
		model   string
		scale   int
		rng     string
		pattern string
		w, h    int
		backend string
	}{
		{"esrgan-slim", 2, "255", "figure-center", 96, 72, ""}, {"esrgan-slim", 4, "255", "circles", 40, 30, ""},
		{"esrgan-medium", 3, "255", "rects", 40, 32, ""}, {"esrgan-thick", 2, "1", "circles", 48, 40, ""},
		{"esrgan-slim", 2, "255", "photo", 150, 103, ""}, {"esrgan-medium", 2, "255", "photo", 150, 103, ""},
		{"esrgan-slim", 2, "255", "circles", 40, 30, "go"},
	} {
		t.Run(fmt.Sprintf("%s-x%d-%s%s", c.model, c.scale, c.pattern, backendSuffix(c.backend)), func(t *testing.T) {
			dir := t.TempDir()
			pngPath, rgbPath := testImage(t, dir, c.pattern, c.w, c.h)
			out, rawOut, refOut := filepath.Join(dir, "up.png"), filepath.Join(dir, "up.f32"), filepath.Join(dir, "ref.f32")
			name := fmt.Sprintf("%s-x%d", c.model, c.scale)
			upscale := func(tile, png, raw string) *exec.Cmd {
				return engine(slices.Concat([]string{"upscale", "--offline"}, backendArgs(c.backend), []string{"--model", c.model,
					"--scale", strconv.Itoa(c.scale), "--tile", tile, "--out", png, "--raw", raw, pngPath})...)
			}
			if b, err := upscale("0", out, rawOut).CombinedOutput(); err != nil {
				t.Fatalf("upscale: %v\n%s", err, b)
			}
			cmd := exec.Command(node, filepath.Join(rig, "pipeline.mjs"), "upscale", tfjsModelPath(t, name), rgbPath,
				strconv.Itoa(c.w), strconv.Itoa(c.h), c.rng, refOut)
			if b, err := cmd.CombinedOutput(); err != nil {
				t.Fatalf("tfjs pipeline: %v\n%s", err, b)
			}
			got, want := readFloat32s(t, rawOut), readFloat32s(t, refOut)
			d := maxDiff(t, got, want)
			if d > conformanceTolerance {
				t.Errorf("output differs from TFJS by %.3g of full range (> %g)", d, conformanceTolerance)
			}
			red, b := readPNGChannel(t, out, 0)
			if b.Dx() != c.w*c.scale || b.Dy() != c.h*c.scale {
				t.Fatalf("PNG is %v, want %dx%d", b, c.w*c.scale, c.h*c.scale)
			}
			lsb := 0
			for i, v := range red {
				lsb = max(lsb, int(math.Abs(float64(v)-math.Round(float64(min(max(want[3*i], 0), 1))*255))))
			}
			if lsb > 1 {
				t.Errorf("PNG red channel differs from round(tfjs·255) by %d levels", lsb)
			}
			if c.backend != "" {
				t.Logf("max |Δ| vs TFJS %.3g of range, PNG max %d level(s)", d, lsb)
				return // tiling is the operator's, the same on every backend (and one compile per tile shape)
			}
			tiled := filepath.Join(dir, "tiled.f32")
			if b, err := upscale("16", filepath.Join(dir, "tiled.png"), tiled).CombinedOutput(); err != nil {
				t.Fatalf("upscale tiled: %v\n%s", err, b)
			}
			td := maxDiff(t, readFloat32s(t, tiled), got)
			t.Logf("max |Δ| vs TFJS %.3g of range, PNG max %d level(s); 16-px tiles with 16-px overlap vs whole frame %.3g", d, lsb, td)
		})
	}
}

// backendArgs is the --backend flag for a test case's backend ("" : the default, none).
func backendArgs(b string) []string {
	if b == "" {
		return nil
	}
	return []string{"--backend", b}
}

// backendSuffix names a non-default backend in a subtest name.
func backendSuffix(b string) string {
	if b == "" {
		return ""
	}
	return "-" + b
}

// TestOperatorCommandErrors: the exit and first error line of `segment` and `upscale` for bad
// arguments; no output file is written.
func TestOperatorCommandErrors(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "out.png")
	missing := filepath.Join(dir, "nope.png")
	for _, c := range []struct {
		name string
		args []string
		want string
	}{
		{"segment usage", []string{"segment", missing}, "usage: vivid-ml-engine segment [--model selfie|meet] --out MASK.png IMAGE"},
		{"segment model", []string{"segment", "--model", "rvm", "--out", out, missing},
			`vivid-ml-engine segment: unknown segmentation model "rvm" (selfie or meet)`},
		{"segment image", []string{"segment", "--offline", "--out", out, missing},
			"vivid-ml-engine segment: load image: open " + missing + ": no such file or directory"},
		{"upscale scale", []string{"upscale", "--scale", "5", "--out", out, missing}, "vivid-ml-engine upscale: scale 5 not available (2, 3, 4 or 8)"},
		{"upscale model", []string{"upscale", "--model", "esrgan-huge", "--out", out, missing},
			`vivid-ml-engine upscale: unknown upscaling model "esrgan-huge" (esrgan-slim, esrgan-medium or esrgan-thick)`},
	} {
		t.Run(c.name, func(t *testing.T) {
			b, err := engine(c.args...).CombinedOutput()
			if err == nil {
				t.Fatalf("want failure, got success:\n%s", b)
			}
			if !strings.Contains(string(b), c.want) {
				t.Errorf("output:\n%s\nwant:\n%s", b, c.want)
			}
			if _, err := os.Stat(out); !os.IsNotExist(err) {
				t.Error("output written after a failure")
			}
		})
	}
}
