package tests

import (
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/vivid-ml/vivid-ml-engine/onnx"
)

// TestConformanceTFJSOps checks the importer op by op against TensorFlow.js: one synthetic graph
// model exercises SAME/VALID/EXPLICIT conv padding with stride 2 on odd and even sizes, depthwise
// multipliers, the three ResizeBilinear coordinate modes, MaxPool, integer FloorDiv with negative
// operands, StridedSlice masks, TopKV2, Select, ArgMax ties, GatherNd, Pack/Unpack, reductions,
// Split/SplitV, Tile, Fill, Range and float16-quantized weights. Every branch is its own graph
// output ("out_*") and must agree within conformanceTolerance.
func TestConformanceTFJSOps(t *testing.T) {
	node, rig := tfjsRig(t)
	ortInit(t)
	dir := t.TempDir()
	if d := os.Getenv("VIVID_KEEP_DIR"); d != "" {
		dir = d
	}
	modelJSON := filepath.Join(dir, "ops.json")
	const h, w = 9, 10
	g := opsGraph(h, w)
	g.write(t, modelJSON)
	outputs := opsOutputs(g)
	onnxPath := filepath.Join(dir, "ops.onnx")
	if out, err := engine("models", "import-tfjs", modelJSON, onnxPath).CombinedOutput(); err != nil {
		t.Fatalf("import-tfjs: %v\n%s", err, out)
	}
	var cases []conformanceCase
	for k := range 8 {
		r := rand.New(rand.NewPCG(uint64(k), 7))
		img := make([]int32, h*w*3)
		for i := range img {
			img[i] = int32(r.IntN(256))
		}
		cases = append(cases, conformanceCase{File: fmt.Sprintf("ops%d.bin", k), Shape: []int64{1, h, w, 3}, data: img})
	}
	writeCaseFiles(t, dir, cases)
	outDir := filepath.Join(dir, "tfjs-out")
	cmd := exec.Command(node, filepath.Join(rig, "ref.mjs"), modelJSON, filepath.Join(dir, "cases.json"), outDir,
		"--outputs", strings.Join(outputs, ","))
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("tfjs reference: %v\n%s", err, out)
	}
	sess, err := onnx.NewSession(onnxPath, onnx.SessionOptions{})
	if err != nil {
		t.Fatalf("ort session: %v", err)
	}
	defer sess.Close()
	index := map[string]int{}
	for k, o := range sess.Outputs() {
		index[o.Name] = k
	}
	for _, c := range cases {
		outs := runORTAll(t, sess, c)
		for k, name := range outputs {
			want := readFloat32s(t, filepath.Join(outDir, fmt.Sprintf("%s.out.%d", c.File, k)))
			i, ok := index[name]
			if !ok {
				t.Fatalf("ONNX model has no output %q", name)
			}
			ten, ok := outs[i].(*onnx.Tensor[float32])
			if !ok {
				t.Fatalf("%s: output %s is %T", c.File, name, outs[i])
			}
			got := ten.Data()
			if len(got) != len(want) {
				t.Errorf("%s: %s: ORT shape %v has %d values, TFJS %d", c.File, name, ten.Shape(), len(got), len(want))
				continue
			}
			bad := 0
			for i := range want {
				if d := math.Abs(float64(got[i] - want[i])); !(d <= conformanceTolerance) {
					if bad++; bad <= 5 {
						t.Errorf("%s: %s[%d] differs: tfjs %v, ort %v", c.File, name, i, want[i], got[i])
					}
				}
			}
		}
		destroyAll(outs)
	}
}

// TestImportTFJSErrors checks that `models import-tfjs` fails cleanly, naming the op and node.
func TestImportTFJSErrors(t *testing.T) {
	dir := t.TempDir()
	g := &tfjsGraph{}
	x := g.node("input", "Placeholder", nil, map[string]any{"dtype": aT("DT_FLOAT")})
	g.node("bad", "Erfinv", []string{x}, nil)
	model := filepath.Join(dir, "bad.json")
	g.write(t, model)
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"unknown op", []string{model, filepath.Join(dir, "out.onnx")},
			"vivid-ml-engine models: import " + model + `: unsupported op: Erfinv (node "bad")`},
		{"missing model", []string{filepath.Join(dir, "nope.json"), filepath.Join(dir, "out.onnx")},
			"vivid-ml-engine models: import " + filepath.Join(dir, "nope.json") + ": read model: open " +
				filepath.Join(dir, "nope.json") + ": no such file or directory"},
		{"usage", []string{model}, "usage: vivid-ml-engine models import-tfjs model.json out.onnx"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cmd := engine(append([]string{"models", "import-tfjs"}, tc.args...)...)
			out, err := cmd.CombinedOutput()
			if err == nil {
				t.Fatalf("want failure, got success:\n%s", out)
			}
			if got := strings.TrimSpace(string(out)); !strings.HasPrefix(got, tc.want) {
				t.Errorf("output:\n%s\nwant prefix:\n%s", got, tc.want)
			}
			if _, err := os.Stat(filepath.Join(dir, "out.onnx")); !os.IsNotExist(err) {
				t.Errorf("out.onnx exists after a failed import")
			}
		})
	}
}

// tfjsGraph builds a TFJS graph model (model.json + one weight shard) for tests.
type tfjsGraph struct {
	nodes   []map[string]any
	weights []map[string]any
	data    []byte
}

func (g *tfjsGraph) node(name, op string, inputs []string, attr map[string]any) string {
	n := map[string]any{"name": name, "op": op}
	if inputs != nil {
		n["input"] = inputs
	}
	if attr != nil {
		n["attr"] = attr
	}
	g.nodes = append(g.nodes, n)
	return name
}

func (g *tfjsGraph) constF(name string, shape []int, vals []float32) string {
	for _, v := range vals {
		g.data = binary.LittleEndian.AppendUint32(g.data, math.Float32bits(v))
	}
	g.weights = append(g.weights, map[string]any{"name": name, "shape": shape, "dtype": "float32"})
	return g.node(name, "Const", nil, map[string]any{"dtype": aT("DT_FLOAT")})
}

// constF16 stores float weights as TFJS float16 quantization.
func (g *tfjsGraph) constF16(name string, shape []int, vals []float32) string {
	for _, v := range vals {
		g.data = binary.LittleEndian.AppendUint16(g.data, floatToHalf(v))
	}
	g.weights = append(g.weights, map[string]any{"name": name, "shape": shape, "dtype": "float32",
		"quantization": map[string]any{"dtype": "float16"}})
	return g.node(name, "Const", nil, map[string]any{"dtype": aT("DT_FLOAT")})
}

// constU8 stores float weights as TFJS uint8 affine quantization (value = q·scale + min).
func (g *tfjsGraph) constU8(name string, shape []int, q []uint8, scale, min float64) string {
	g.data = append(g.data, q...)
	g.weights = append(g.weights, map[string]any{"name": name, "shape": shape, "dtype": "float32",
		"quantization": map[string]any{"dtype": "uint8", "scale": scale, "min": min}})
	return g.node(name, "Const", nil, map[string]any{"dtype": aT("DT_FLOAT")})
}

func (g *tfjsGraph) constI(name string, shape []int, vals ...int32) string {
	for _, v := range vals {
		g.data = binary.LittleEndian.AppendUint32(g.data, uint32(v))
	}
	if shape == nil {
		shape = []int{len(vals)}
	}
	g.weights = append(g.weights, map[string]any{"name": name, "shape": shape, "dtype": "int32"})
	return g.node(name, "Const", nil, map[string]any{"dtype": aT("DT_INT32")})
}

func (g *tfjsGraph) write(t *testing.T, path string) {
	t.Helper()
	bin := filepath.Base(path) + ".bin"
	m := map[string]any{
		"format": "graph-model", "generatedBy": "vivid-ml-engine tests", "convertedBy": "hand",
		"modelTopology":   map[string]any{"node": g.nodes, "library": map[string]any{}, "versions": map[string]any{}},
		"weightsManifest": []any{map[string]any{"paths": []string{bin}, "weights": g.weights}},
	}
	j, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, j, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(filepath.Dir(path), bin), g.data, 0o644); err != nil {
		t.Fatal(err)
	}
}

func aI(v int) map[string]any     { return map[string]any{"i": strconv.Itoa(v)} }
func aB(v bool) map[string]any    { return map[string]any{"b": v} }
func aF(v float64) map[string]any { return map[string]any{"f": v} }
func aT(v string) map[string]any  { return map[string]any{"type": v} }
func aS(v string) map[string]any {
	return map[string]any{"s": base64.StdEncoding.EncodeToString([]byte(v))}
}
func aLI(v ...int) map[string]any {
	s := make([]string, len(v))
	for i, x := range v {
		s[i] = strconv.Itoa(x)
	}
	return map[string]any{"list": map[string]any{"i": s}}
}
func aLS(v ...string) map[string]any {
	s := make([]string, len(v))
	for i, x := range v {
		s[i] = base64.StdEncoding.EncodeToString([]byte(x))
	}
	return map[string]any{"list": map[string]any{"s": s}}
}

// floatToHalf rounds to the nearest binary16 (normal range only, enough for test weights).
func floatToHalf(f float32) uint16 {
	b := math.Float32bits(f)
	sign := uint16(b>>16) & 0x8000
	exp := int((b>>23)&0xff) - 127 + 15
	mant := b & 0x7fffff
	if exp <= 0 {
		return sign
	}
	h := uint32(exp)<<10 | mant>>13
	if mant&0x1fff > 0x1000 || (mant&0x1fff == 0x1000 && h&1 == 1) {
		h++
	}
	return sign | uint16(h)
}

func randFloats(r *rand.Rand, n int, scale float32) []float32 {
	v := make([]float32, n)
	for i := range v {
		v[i] = (r.Float32()*2 - 1) * scale
	}
	return v
}

// writeCaseFiles writes raw int32 inputs and cases.json for ref.mjs.
func writeCaseFiles(t testing.TB, dir string, cases []conformanceCase) {
	t.Helper()
	for _, c := range cases {
		b := make([]byte, 0, 4*len(c.data))
		for _, v := range c.data {
			b = binary.LittleEndian.AppendUint32(b, uint32(v))
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
}
