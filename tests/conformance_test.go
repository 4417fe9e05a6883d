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
	"sync"
	"testing"

	ort "github.com/yalue/onnxruntime_go"
)

// conformanceTolerance is the largest allowed |TFJS − ONNX Runtime| for any output value.
const conformanceTolerance = 1e-3

// TestConformanceTFJS converts each MoveNet TFJS model with `models import-tfjs`, runs the result on
// ONNX Runtime and the original on TensorFlow.js (WASM backend, tests/tfjs/ref.mjs) over the same
// ≥20 synthetic inputs, and requires every output value to agree within conformanceTolerance.
func TestConformanceTFJS(t *testing.T) {
	node := needTool(t, "node")
	rig, err := filepath.Abs("tfjs")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(rig, "node_modules", "@tensorflow", "tfjs-converter")); err != nil {
		skipOrFail(t, "tests/tfjs/node_modules missing (run: cd tests/tfjs && npm ci --ignore-scripts)")
	}
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
			sess, err := ort.NewDynamicAdvancedSession(onnxPath, []string{"input"}, []string{"Identity"}, nil)
			if err != nil {
				t.Fatalf("ort session: %v", err)
			}
			defer sess.Destroy()
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

// TestImportTFJSChecker converts the three MoveNet models with `models import-tfjs` and validates
// each with the independent ONNX checker (Debian python3-onnx, full_check: types and shapes inferred).
func TestImportTFJSChecker(t *testing.T) {
	const py = "/usr/bin/python3"
	if err := exec.Command(py, "-c", "import onnx").Run(); err != nil {
		skipOrFail(t, "python3-onnx not installed ("+py+" -c 'import onnx' failed)")
	}
	for _, name := range []string{"movenet-lightning", "movenet-thunder", "movenet-multipose"} {
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
			if got := strings.TrimSpace(string(b)); got != "['input'] ['Identity']" {
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

var (
	ortOnce sync.Once
	ortErr  error
)

// ortInit loads ONNX Runtime once: $ONNXRUNTIME_LIB, else `models path onnxruntime`, else (not strict) the dev copy.
func ortInit(t *testing.T) {
	t.Helper()
	lib := ortLibPath(t)
	ortOnce.Do(func() {
		if ort.IsInitialized() {
			return
		}
		ort.SetSharedLibraryPath(lib)
		ortErr = ort.InitializeEnvironment()
	})
	if ortErr != nil {
		t.Fatalf("onnxruntime: %v", ortErr)
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

// runORT runs one case and returns the flat float32 output and its shape.
func runORT(t *testing.T, sess *ort.DynamicAdvancedSession, c conformanceCase) ([]float32, []int64) {
	t.Helper()
	in, err := ort.NewTensor(ort.NewShape(c.Shape...), c.data)
	if err != nil {
		t.Fatal(err)
	}
	defer in.Destroy()
	outs := []ort.Value{nil}
	if err := sess.Run([]ort.Value{in}, outs); err != nil {
		t.Fatalf("%s: ort run: %v", c.File, err)
	}
	defer outs[0].Destroy()
	ten, ok := outs[0].(*ort.Tensor[float32])
	if !ok {
		t.Fatalf("%s: output is %T, want float32 tensor", c.File, outs[0])
	}
	return append([]float32(nil), ten.GetData()...), ten.GetShape()
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

// extraSizePatterns are the patterns also run at a model's second and later input sizes (keeps the test short).
var extraSizePatterns = map[string]bool{"black": true, "hgradient": true, "noise": true, "figure-center": true,
	"two-figures": true, "figure-big": true}

// conformancePattern draws one deterministic RGB image (0–255 per channel, HWC) into img.
type conformancePattern struct {
	name string
	draw func(img []int32, h, w int, r *rand.Rand)
}

// conformancePatterns: flat fields, gradients, noise, shapes and stick figures (so that
// keypoint scores and multipose boxes are non-trivial).
var conformancePatterns = []conformancePattern{
	{"black", fill(0, 0, 0)},
	{"white", fill(255, 255, 255)},
	{"gray", fill(128, 128, 128)},
	{"hgradient", func(img []int32, h, w int, _ *rand.Rand) {
		paint(img, h, w, func(y, x int) (int32, int32, int32) { v := int32(255 * x / max(w-1, 1)); return v, v / 2, 255 - v })
	}},
	{"vgradient", func(img []int32, h, w int, _ *rand.Rand) {
		paint(img, h, w, func(y, x int) (int32, int32, int32) { v := int32(255 * y / max(h-1, 1)); return 255 - v, v, v / 3 })
	}},
	{"diagonal", func(img []int32, h, w int, _ *rand.Rand) {
		paint(img, h, w, func(y, x int) (int32, int32, int32) { v := int32(255 * (x + y) / max(w+h-2, 1)); return v, v, v })
	}},
	{"noise", noise(0, 256)},
	{"noise-dark", noise(0, 64)},
	{"noise-mid", noise(96, 160)},
	{"checker8", checker(8)},
	{"checker32", checker(32)},
	{"stripes", func(img []int32, h, w int, _ *rand.Rand) {
		paint(img, h, w, func(y, x int) (int32, int32, int32) { return int32(127 + 127*math.Sin(float64(x+2*y)/5)), 80, 200 })
	}},
	{"circles", func(img []int32, h, w int, r *rand.Rand) {
		fill(30, 60, 90)(img, h, w, r)
		for range 6 {
			cy, cx, rad := r.IntN(h), r.IntN(w), 5+r.IntN(h/4)
			cr, cg, cb := int32(r.IntN(256)), int32(r.IntN(256)), int32(r.IntN(256))
			disc(img, h, w, float64(cy), float64(cx), float64(rad), cr, cg, cb)
		}
	}},
	{"rects", func(img []int32, h, w int, r *rand.Rand) {
		fill(200, 190, 170)(img, h, w, r)
		for range 8 {
			y0, x0 := r.IntN(h), r.IntN(w)
			y1, x1 := min(h, y0+10+r.IntN(h/2)), min(w, x0+10+r.IntN(w/2))
			cr, cg, cb := int32(r.IntN(256)), int32(r.IntN(256)), int32(r.IntN(256))
			paintRect(img, w, y0, x0, y1, x1, cr, cg, cb)
		}
	}},
	{"figure-center", figure(0.5, 0.5, 0.8, 0.0, false)},
	{"figure-left-small", figure(0.55, 0.3, 0.45, 0.6, false)},
	{"figure-right-arms-up", figure(0.5, 0.7, 0.7, -1.2, false)},
	{"figure-noisy", figure(0.5, 0.5, 0.75, 0.3, true)},
	{"figure-low", figure(0.65, 0.45, 0.6, 0.9, false)},
	{"two-figures", func(img []int32, h, w int, r *rand.Rand) {
		figure(0.5, 0.28, 0.6, 0.2, false)(img, h, w, r)
		drawFigure(img, h, w, 0.5, 0.72, 0.6, -0.8)
	}},
	{"low-contrast", noise(120, 136)},
	{"figure-big", figure(0.5, 0.5, 1.0, 0.5, false)},
}

func fill(cr, cg, cb int32) func([]int32, int, int, *rand.Rand) {
	return func(img []int32, h, w int, _ *rand.Rand) {
		paint(img, h, w, func(int, int) (int32, int32, int32) { return cr, cg, cb })
	}
}

func noise(lo, hi int) func([]int32, int, int, *rand.Rand) {
	return func(img []int32, h, w int, r *rand.Rand) {
		for i := range img {
			img[i] = int32(lo + r.IntN(hi-lo))
		}
	}
}

func checker(cell int) func([]int32, int, int, *rand.Rand) {
	return func(img []int32, h, w int, _ *rand.Rand) {
		paint(img, h, w, func(y, x int) (int32, int32, int32) {
			if (y/cell+x/cell)%2 == 0 {
				return 240, 240, 240
			}
			return 20, 20, 20
		})
	}
}

func paint(img []int32, h, w int, f func(y, x int) (int32, int32, int32)) {
	for y := range h {
		for x := range w {
			i := (y*w + x) * 3
			img[i], img[i+1], img[i+2] = f(y, x)
		}
	}
}

func paintRect(img []int32, w, y0, x0, y1, x1 int, cr, cg, cb int32) {
	for y := y0; y < y1; y++ {
		for x := x0; x < x1; x++ {
			i := (y*w + x) * 3
			img[i], img[i+1], img[i+2] = cr, cg, cb
		}
	}
}

func disc(img []int32, h, w int, cy, cx, rad float64, cr, cg, cb int32) {
	for y := max(0, int(cy-rad)); y < min(h, int(cy+rad)+1); y++ {
		for x := max(0, int(cx-rad)); x < min(w, int(cx+rad)+1); x++ {
			if (float64(y)-cy)*(float64(y)-cy)+(float64(x)-cx)*(float64(x)-cx) <= rad*rad {
				i := (y*w + x) * 3
				img[i], img[i+1], img[i+2] = cr, cg, cb
			}
		}
	}
}

// figure draws a background (optionally noisy) and one stick figure.
func figure(cy, cx, scale, arm float64, noisy bool) func([]int32, int, int, *rand.Rand) {
	return func(img []int32, h, w int, r *rand.Rand) {
		if noisy {
			noise(60, 200)(img, h, w, r)
		} else {
			paint(img, h, w, func(y, x int) (int32, int32, int32) { return 90 + int32(40*y/h), 110, 130 })
		}
		drawFigure(img, h, w, cy, cx, scale, arm)
	}
}

// drawFigure renders a person-like stick figure: head, torso, arms (raised by arm radians), legs.
func drawFigure(img []int32, h, w int, cy, cx, scale, arm float64) {
	s := scale * float64(h)
	py, px := cy*float64(h), cx*float64(w)
	pt := func(dy, dx float64) [2]float64 { return [2]float64{py + dy*s, px + dx*s} }
	neck, hip := pt(-0.28, 0), pt(0.05, 0)
	lsh, rsh := pt(-0.26, -0.1), pt(-0.26, 0.1)
	lhip, rhip := pt(0.05, -0.06), pt(0.05, 0.06)
	lel := pt(-0.26+0.16*math.Cos(arm), -0.1-0.16*math.Sin(math.Abs(arm))-0.04)
	rel := pt(-0.26+0.16*math.Cos(arm), 0.1+0.16*math.Sin(math.Abs(arm))+0.04)
	lwr := [2]float64{lel[0] + 0.14*s*math.Cos(arm), lel[1] - 0.06*s}
	rwr := [2]float64{rel[0] + 0.14*s*math.Cos(arm), rel[1] + 0.06*s}
	lkn, rkn := pt(0.25, -0.08), pt(0.25, 0.08)
	lan, ran := pt(0.45, -0.09), pt(0.45, 0.09)
	thick := max(2, s*0.035)
	skin, shirt, pants := [3]int32{224, 172, 140}, [3]int32{200, 40, 40}, [3]int32{40, 50, 140}
	limbs := []struct {
		a, b [2]float64
		c    [3]int32
		t    float64
	}{
		{neck, hip, shirt, thick * 2.2}, {lsh, rsh, shirt, thick * 1.5}, {lhip, rhip, pants, thick * 1.5},
		{lsh, lel, shirt, thick}, {lel, lwr, skin, thick * 0.8}, {rsh, rel, shirt, thick}, {rel, rwr, skin, thick * 0.8},
		{lhip, lkn, pants, thick * 1.2}, {lkn, lan, pants, thick}, {rhip, rkn, pants, thick * 1.2}, {rkn, ran, pants, thick},
	}
	for _, l := range limbs {
		steps := int(math.Hypot(l.b[0]-l.a[0], l.b[1]-l.a[1])) + 1
		for k := 0; k <= steps; k++ {
			f := float64(k) / float64(steps)
			disc(img, h, w, l.a[0]+(l.b[0]-l.a[0])*f, l.a[1]+(l.b[1]-l.a[1])*f, l.t, l.c[0], l.c[1], l.c[2])
		}
	}
	head := pt(-0.38, 0)
	disc(img, h, w, head[0], head[1], s*0.07, skin[0], skin[1], skin[2])
	disc(img, h, w, head[0]-s*0.015, head[1]-s*0.025, s*0.01, 30, 30, 30)
	disc(img, h, w, head[0]-s*0.015, head[1]+s*0.025, s*0.01, 30, 30, 30)
}
