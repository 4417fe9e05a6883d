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

// poseBenchLine is the JSON line of `bench pose-model`.
type poseBenchLine struct {
	Bench    string  `json:"bench"`
	Model    string  `json:"model"`
	Frames   int     `json:"frames"`
	P50      float64 `json:"p50_ms"`
	P99      float64 `json:"p99_ms"`
	Provider string  `json:"provider"`
	Threads  int     `json:"threads"`
}

// TestBenchPoseModel runs `bench pose-model` briefly on a freshly imported Lightning and checks its JSON line.
func TestBenchPoseModel(t *testing.T) {
	onnxPath := importForBench(t, "movenet-lightning")
	out, err := engine("bench", "pose-model", "--onnx", onnxPath, "--ort-lib", ortLibPath(t), "--frames", "3",
		"--warmup", "1", "--threads", "1", "--log-level", "warn").Output()
	if err != nil {
		t.Fatalf("bench pose-model: %v\n%s", err, out)
	}
	var line poseBenchLine
	if err := json.Unmarshal(out, &line); err != nil {
		t.Fatalf("output %q: %v", out, err)
	}
	if line.Bench != "pose-model" || line.Frames != 3 || line.Provider != "cpu" || line.Threads != 1 ||
		!(line.P50 > 0 && line.P99 >= line.P50) {
		t.Errorf("unexpected result %+v", line)
	}
}

// BenchmarkPoseModelVsTFJS times each MoveNet model on ONNX Runtime (`bench pose-model`) and on
// TensorFlow.js WASM (`ref.mjs --time`) in the same run, alternating rounds so machine load hits
// both alike; it reports p50 per side and the speed-up. Frames per round: $VIVID_BENCH_FRAMES (50).
func BenchmarkPoseModelVsTFJS(b *testing.B) {
	node, err := exec.LookPath("node")
	if err != nil {
		b.Skip("node not found")
	}
	rig, _ := filepath.Abs("tfjs")
	frames := 50
	if v, err := strconv.Atoi(os.Getenv("VIVID_BENCH_FRAMES")); err == nil && v > 0 {
		frames = v
	}
	for _, m := range []struct {
		name string
		side int
	}{{"movenet-lightning", 192}, {"movenet-thunder", 256}, {"movenet-multipose", 256}} {
		b.Run(m.name, func(b *testing.B) {
			onnxPath := importForBench(b, m.name)
			dir := b.TempDir()
			cases := writeBenchCase(b, dir, m.side)
			var ortP50, tfjsP50 []float64
			for range b.N {
				out, err := engine("bench", "pose-model", "--onnx", onnxPath, "--ort-lib", ortLibPath(b),
					"--frames", strconv.Itoa(frames), "--threads", "1", "--log-level", "warn").Output()
				if err != nil {
					b.Fatalf("bench pose-model: %v", err)
				}
				var line poseBenchLine
				if err := json.Unmarshal(out, &line); err != nil {
					b.Fatal(err)
				}
				ortP50 = append(ortP50, line.P50)
				cmd := exec.Command(node, filepath.Join(rig, "ref.mjs"), tfjsModelPath(b, m.name), cases,
					filepath.Join(dir, "out"), "--time", strconv.Itoa(frames))
				if out, err := cmd.CombinedOutput(); err != nil {
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

// importForBench converts a model with the binary into a temp dir.
func importForBench(t testing.TB, name string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name+".onnx")
	if out, err := engine("models", "import-tfjs", tfjsModelPath(t, name), p).CombinedOutput(); err != nil {
		t.Fatalf("import-tfjs: %v\n%s", err, out)
	}
	return p
}

// writeBenchCase writes one mid-gray-with-figure input of side² for the TFJS timing run.
func writeBenchCase(t testing.TB, dir string, side int) string {
	t.Helper()
	img := make([]int32, side*side*3)
	figure(0.5, 0.5, 0.8, 0.3, false)(img, side, side, nil)
	c := []conformanceCase{{File: "bench.bin", Shape: []int64{1, int64(side), int64(side), 3}, data: img}}
	writeCaseFiles(t, dir, c)
	return filepath.Join(dir, "cases.json")
}
