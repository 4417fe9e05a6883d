package tests

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/vivid-ml/vivid-ml-engine/onnx"
)

// conformanceTolerance is the largest allowed |TFJS − ONNX Runtime| for any output value.
const conformanceTolerance = 1e-3

// TestConformanceTFJS converts each MoveNet TFJS model with `models import-tfjs`, runs the result on
// ONNX Runtime and the original on TensorFlow.js (WASM backend, tests/tfjs/ref.mjs) over the same
// ≥20 synthetic inputs, and requires every output value to agree within conformanceTolerance.
func TestConformanceTFJS(t *testing.T) {
	node, rig := tfjsRig(t)
	ortInit(t)
	models := []struct {
		name   string
		shapes [][2]int // input H, W per case group
	}{
		{"movenet-lightning", [][2]int{{192, 192}}},
		{"movenet-thunder", [][2]int{{256, 256}}},
		{"movenet-multipose", [][2]int{{256, 256}, {192, 256}, {256, 320}}}, // extra sizes: a subset (extraSizePatterns)
	}
	for _, m := range models {
		t.Run(m.name, func(t *testing.T) {
			modelJSON := tfjsModelPath(t, m.name)
			dir := t.TempDir()
			onnxPath := filepath.Join(dir, m.name+".onnx")
			if out, err := engine("models", "import-tfjs", modelJSON, onnxPath).CombinedOutput(); err != nil {
				t.Fatalf("import-tfjs: %v\n%s", err, out)
			}
			cases := writeConformanceCases(t, dir, m.shapes)
			outDir := filepath.Join(dir, "tfjs-out")
			cmd := exec.Command(node, filepath.Join(rig, "ref.mjs"), modelJSON, filepath.Join(dir, "cases.json"), outDir)
			if out, err := cmd.CombinedOutput(); err != nil {
				t.Fatalf("tfjs reference: %v\n%s", err, out)
			}
			sess, err := onnx.NewSession(onnxPath, onnx.SessionOptions{})
			if err != nil {
				t.Fatalf("ort session: %v", err)
			}
			defer sess.Close()
			var worst, bestScore float64
			for _, c := range cases {
				want := readFloat32s(t, filepath.Join(outDir, c.File+".out"))
				got, shape := runORT(t, sess, c)
				if n := shapeSize(shape); n != len(want) {
					t.Fatalf("%s: ORT output %v has %d values, TFJS %d", c.File, shape, n, len(want))
				}
				for i := range want {
					if isScore(m.name, i) {
						bestScore = max(bestScore, float64(want[i]))
					}
					d := math.Abs(float64(got[i] - want[i]))
					if math.IsNaN(d) {
						t.Errorf("%s: value %d is NaN (tfjs %v, ort %v)", c.File, i, want[i], got[i])
						continue
					}
					worst = max(worst, d)
					if d > conformanceTolerance {
						t.Errorf("%s (%s): value %d differs: tfjs %v, ort %v", c.File, c.desc, i, want[i], got[i])
					}
				}
			}
			t.Logf("%d inputs, largest difference %.3g, best keypoint/box score %.3f", len(cases), worst, bestScore)
		})
	}
}

// TestImportTFJSChecker converts the MoveNet, segmentation and (some) ESRGAN models with `models import-tfjs` and validates
// each with the independent ONNX checker (Debian python3-onnx, full_check: types and shapes inferred).
func TestImportTFJSChecker(t *testing.T) {
	const py = "/usr/bin/python3"
	if err := exec.Command(py, "-c", "import onnx").Run(); err != nil {
		skipOrFail(t, "python3-onnx not installed ("+py+" -c 'import onnx' failed)")
	}
	for _, m := range []struct{ name, io string }{
		{"movenet-lightning", "['input'] ['Identity']"}, {"movenet-thunder", "['input'] ['Identity']"},
		{"movenet-multipose", "['input'] ['Identity']"}, {"selfie", "['input_1'] ['activation_10']"},
		{"meet", "['input_1'] ['segment']"}, {"esrgan-slim-x2", "['LR'] ['SR']"},
		{"esrgan-medium-x3", "['LR'] ['SR']"}, {"esrgan-thick-x4", "['LR_input'] ['SR']"},
	} {
		name := m.name
		t.Run(name, func(t *testing.T) {
			out := filepath.Join(t.TempDir(), name+".onnx")
			if b, err := engine("models", "import-tfjs", tfjsModelPath(t, name), out).CombinedOutput(); err != nil {
				t.Fatalf("import-tfjs: %v\n%s", err, b)
			}
			check := `import onnx, sys
m = onnx.load(sys.argv[1])
onnx.checker.check_model(m, full_check=True)
assert m.ir_version == 8 and m.opset_import[0].version == 17, (m.ir_version, m.opset_import)
print([i.name for i in m.graph.input], [o.name for o in m.graph.output])`
			b, err := exec.Command(py, "-c", check, out).CombinedOutput()
			if err != nil {
				t.Fatalf("onnx checker: %v\n%s", err, b)
			}
			if got := strings.TrimSpace(string(b)); got != m.io {
				t.Errorf("inputs/outputs = %s", got)
			}
		})
	}
}

// isScore reports whether output index i is a keypoint score (singlepose [1,1,17,3]) or a box score (multipose [1,6,56]).
func isScore(model string, i int) bool {
	if strings.Contains(model, "multipose") {
		return i%56 == 55
	}
	return i%3 == 2
}

// conformanceCase is one input file for the TFJS rig (CASES.json entry).
type conformanceCase struct {
	File  string  `json:"file"`
	Shape []int64 `json:"shape"`
	desc  string
	data  []int32
}

// skipOrFail skips, or fails under strict (make test / CI).
// tfjsRig returns node and the TensorFlow.js reference rig folder (tests/tfjs); without
// its node_modules the test fails under strict, else it is skipped.
func tfjsRig(t *testing.T) (node, rig string) {
	t.Helper()
	node = needTool(t, "node")
	rig, err := filepath.Abs("tfjs")
	if err != nil {
		t.Fatal(err)
	}
	for _, pkg := range []string{"tfjs-converter", "tfjs-backend-wasm", "tfjs-layers"} {
		if _, err := os.Stat(filepath.Join(rig, "node_modules", "@tensorflow", pkg)); err != nil {
			skipOrFail(t, "tests/tfjs/node_modules missing (run: cd tests/tfjs && npm ci --ignore-scripts)")
		}
	}
	return node, rig
}

func skipOrFail(t testing.TB, msg string) {
	t.Helper()
	if strict() {
		t.Fatal(msg)
	}
	t.Skip(msg)
}

// tfjsModelPath finds model.json: $VIVID_TFJS_DIR/<name>.json, else `models path <name>-tfjs`,
// else (not strict) the development download.
func tfjsModelPath(t testing.TB, name string) string {
	t.Helper()
	if d := os.Getenv("VIVID_TFJS_DIR"); d != "" {
		return filepath.Join(d, name+".json")
	}
	if out, err := engine("models", "path", "--offline", name+"-tfjs").Output(); err == nil {
		if p := strings.TrimSpace(string(out)); p != "" {
			return p
		}
	}
	p := "/work/npm-cache-dev/x/package/models/" + name + ".json"
	if _, err := os.Stat(p); err != nil || strict() {
		skipOrFail(t, fmt.Sprintf("no TFJS model for %s (set VIVID_TFJS_DIR or provision with `models fetch`)", name))
	}
	return p
}

// ortInit loads ONNX Runtime once: $ONNXRUNTIME_LIB, else `models path onnxruntime`, else (not strict) the dev copy.
func ortInit(t *testing.T) {
	t.Helper()
	if err := onnx.Init(ortLibPath(t)); err != nil {
		t.Fatalf("onnxruntime: %v", err)
	}
}

// ortLibPath finds the ONNX Runtime library (see ortInit), skipping or failing when there is none.
func ortLibPath(t testing.TB) string {
	t.Helper()
	lib := os.Getenv("ONNXRUNTIME_LIB")
	if lib == "" {
		if out, err := engine("models", "path", "--offline", "onnxruntime").Output(); err == nil {
			lib = strings.TrimSpace(string(out))
		}
	}
	if lib == "" && !strict() {
		lib = "/work/npm-cache-dev/x/package/bin/napi-v6/linux/x64/libonnxruntime.so.1"
	}
	if _, err := os.Stat(lib); lib == "" || err != nil {
		skipOrFail(t, "no ONNX Runtime library (set ONNXRUNTIME_LIB or provision with `models fetch onnxruntime`)")
	}
	return lib
}

// runORT runs one case and returns the first output (float32) and its shape.
func runORT(t *testing.T, sess *onnx.Session, c conformanceCase) ([]float32, []int64) {
	t.Helper()
	outs := runORTAll(t, sess, c)
	defer destroyAll(outs)
	ten, ok := outs[0].(*onnx.Tensor[float32])
	if !ok {
		t.Fatalf("%s: output is %T, want float32 tensor", c.File, outs[0])
	}
	return append([]float32(nil), ten.Data()...), ten.Shape()
}

// runORTAll runs one case; the caller destroys the outputs (model order).
func runORTAll(t *testing.T, sess *onnx.Session, c conformanceCase) []onnx.Value {
	t.Helper()
	in, err := onnx.NewTensorFrom(c.data, c.Shape...)
	if err != nil {
		t.Fatal(err)
	}
	defer in.Destroy()
	outs, err := sess.RunAlloc([]onnx.Value{in})
	if err != nil {
		t.Fatalf("%s: ort run: %v", c.File, err)
	}
	return outs
}

func destroyAll(vs []onnx.Value) {
	for _, v := range vs {
		v.Destroy()
	}
}

func shapeSize(s []int64) int {
	n := 1
	for _, d := range s {
		n *= int(d)
	}
	return n
}

func readFloat32s(t *testing.T, path string) []float32 {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	out := make([]float32, len(b)/4)
	for i := range out {
		out[i] = math.Float32frombits(binary.LittleEndian.Uint32(b[4*i:]))
	}
	return out
}

// writeConformanceCases renders the synthetic inputs for every size into dir and writes cases.json.
func writeConformanceCases(t *testing.T, dir string, sizes [][2]int) []conformanceCase {
	t.Helper()
	var cases []conformanceCase
	for si, hw := range sizes {
		for k, g := range conformancePatterns {
			if si > 0 && !extraSizePatterns[g.name] {
				continue
			}
			h, w := hw[0], hw[1]
			img := make([]int32, h*w*3)
			g.draw(img, h, w, rand.New(rand.NewPCG(uint64(k), uint64(h*1000+w))))
			cases = append(cases, conformanceCase{
				File: fmt.Sprintf("%02d-%s-%dx%d.bin", k, g.name, h, w), Shape: []int64{1, int64(h), int64(w), 3},
				desc: g.name, data: img,
			})
		}
	}
	for _, c := range cases {
		b := make([]byte, 4*len(c.data))
		for i, v := range c.data {
			binary.LittleEndian.PutUint32(b[4*i:], uint32(v))
		}
		if err := os.WriteFile(filepath.Join(dir, c.File), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	j, err := json.Marshal(cases)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "cases.json"), j, 0o644); err != nil {
		t.Fatal(err)
	}
	return cases
}
