package tests

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"testing"
)

// operatorBenchLine is the JSON line of `bench operator`.
type operatorBenchLine struct {
	Bench      string  `json:"bench"`
	Model      string  `json:"model"`
	Frame      [2]int  `json:"frame"`
	Frames     int     `json:"frames"`
	P50        float64 `json:"p50_ms"`
	ModelP50   float64 `json:"model_p50_ms"`
	Provider   string  `json:"provider"`
	Threads    int     `json:"threads"`
	ORTVersion string  `json:"onnxruntime"`
}

// TestBenchOperator runs `bench operator` briefly for each operator kind and checks its JSON line.
func TestBenchOperator(t *testing.T) {
	for _, c := range []struct {
		model  string
		w, h   int
		model2 bool
	}{{"selfie", 64, 48, true}, {"esrgan-slim-x2", 16, 16, false}} {
		t.Run(c.model, func(t *testing.T) {
			out, err := engine("bench", "operator", "--offline", "--model", c.model, "--width", strconv.Itoa(c.w),
				"--height", strconv.Itoa(c.h), "--frames", "2", "--warmup", "0", "--threads", "1", "--log-level", "warn").Output()
			if err != nil {
				t.Fatalf("bench operator: %v\n%s", err, out)
			}
			var line operatorBenchLine
			if err := json.Unmarshal(out, &line); err != nil {
				t.Fatalf("output %q: %v", out, err)
			}
			if line.Bench != "operator" || line.Model != c.model || line.Frame != [2]int{c.w, c.h} || line.Frames != 2 ||
				line.Provider != "cpu" || line.Threads != 1 || !(line.P50 > 0) || (line.ModelP50 > 0) != c.model2 {
				t.Errorf("unexpected result %+v", line)
			}
		})
	}
}

// BenchmarkOperatorsVsTFJS times each operator model on ONNX Runtime (`bench operator`, CPU) and
// the original on TensorFlow.js WASM (`ref.mjs --time`, tfjs-converter or tfjs-layers) in the same
// run, alternating rounds; it reports the model p50 per side (segmentation: the model-sized input;
// upscaling: one whole-frame run) and the speed-up. Frames per round: $VIVID_BENCH_FRAMES (10).
// Threads: $VIVID_BENCH_THREADS (0: ORT's default, one per core; TFJS-WASM is single-threaded in Node).
func BenchmarkOperatorsVsTFJS(b *testing.B) {
	node, err := exec.LookPath("node")
	if err != nil {
		b.Skip("node not found")
	}
	rig, _ := filepath.Abs("tfjs")
	frames, threads := 10, "0"
	if v, err := strconv.Atoi(os.Getenv("VIVID_BENCH_FRAMES")); err == nil && v > 0 {
		frames = v
	}
	if v := os.Getenv("VIVID_BENCH_THREADS"); v != "" {
		threads = v
	}
	for _, m := range []struct {
		name   string
		w, h   int
		scale  float32
		layers bool
	}{
		{"selfie", 256, 256, 1, false}, {"meet", 256, 144, 1, false},
		{"esrgan-slim-x2", 128, 128, 255, true}, {"esrgan-slim-x4", 128, 128, 255, true},
		{"esrgan-medium-x2", 128, 128, 255, true}, {"esrgan-thick-x2", 64, 64, 1, true},
	} {
		b.Run(m.name, func(b *testing.B) {
			dir := b.TempDir()
			cases := benchFloatCase(b, dir, m.w, m.h, m.scale)
			var ortP50, tfjsP50 []float64
			for range b.N {
				out, err := engine("bench", "operator", "--offline", "--model", m.name, "--width", strconv.Itoa(m.w),
					"--height", strconv.Itoa(m.h), "--frames", strconv.Itoa(frames), "--threads", threads, "--log-level", "warn").Output()
				if err != nil {
					b.Fatalf("bench operator: %v", err)
				}
				var line operatorBenchLine
				if err := json.Unmarshal(out, &line); err != nil {
					b.Fatal(err)
				}
				p := line.P50
				if line.ModelP50 > 0 {
					p = line.ModelP50
				}
				ortP50 = append(ortP50, p)
				args := []string{filepath.Join(rig, "ref.mjs"), tfjsModelPath(b, m.name), cases, filepath.Join(dir, "out"),
					"--time", strconv.Itoa(frames)}
				if m.layers {
					args = append(args, "--layers")
				}
				if out, err := exec.Command(node, args...).CombinedOutput(); err != nil {
					b.Fatalf("tfjs: %v\n%s", err, out)
				}
				var timing struct{ Ms []float64 }
				raw, err := os.ReadFile(filepath.Join(dir, "out", "timing.json"))
				if err != nil {
					b.Fatal(err)
				}
				if err := json.Unmarshal(raw, &timing); err != nil {
					b.Fatal(err)
				}
				slices.Sort(timing.Ms)
				tfjsP50 = append(tfjsP50, timing.Ms[len(timing.Ms)/2])
			}
			slices.Sort(ortP50)
			slices.Sort(tfjsP50)
			o, j := ortP50[len(ortP50)/2], tfjsP50[len(tfjsP50)/2]
			b.ReportMetric(o, "ort-p50-ms")
			b.ReportMetric(j, "tfjs-wasm-p50-ms")
			b.ReportMetric(j/o, "speedup")
		})
	}
}

// benchFloatCase writes one float32 input [1,h,w,3] (a figure over gray, 0..scale) for the TFJS timing run.
func benchFloatCase(b *testing.B, dir string, w, h int, scale float32) string {
	b.Helper()
	img := make([]int32, w*h*3)
	figure(0.5, 0.5, 0.8, 0.3, false)(img, h, w, nil)
	data := make([]float32, len(img))
	for i, v := range img {
		data[i] = float32(v) / 255 * scale
	}
	writeFloatCases(b, dir, []floatCase{{File: "bench.bin", Shape: []int64{1, int64(h), int64(w), 3}, Dtype: "float32", data: data}})
	return filepath.Join(dir, "cases.json")
}
