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
	"testing"

	"github.com/vivid-ml/vivid-ml-engine/onnx"
)

// floatCase is one float32 input file for the TFJS rig (CASES.json entry with dtype float32).
type floatCase struct {
	File  string  `json:"file"`
	Shape []int64 `json:"shape"`
	Dtype string  `json:"dtype"`
	desc  string
	data  []float32
}

// floatCases renders the named conformance patterns at h×w, scaled to 0..scale, into dir + cases.json.
func floatCases(t *testing.T, dir string, h, w int, scale float32, names ...string) []floatCase {
	t.Helper()
	want := map[string]bool{}
	for _, n := range names {
		want[n] = true
	}
	var cases []floatCase
	for k, g := range conformancePatterns {
		if len(names) > 0 && !want[g.name] {
			continue
		}
		img := make([]int32, h*w*3)
		g.draw(img, h, w, rand.New(rand.NewPCG(uint64(k), uint64(h*1000+w))))
		f := make([]float32, len(img))
		for i, v := range img {
			f[i] = float32(v) / 255 * scale
		}
		cases = append(cases, floatCase{File: fmt.Sprintf("%02d-%s-%dx%d.bin", k, g.name, h, w),
			Shape: []int64{1, int64(h), int64(w), 3}, Dtype: "float32", desc: g.name, data: f})
	}
	writeFloatCases(t, dir, cases)
	return cases
}

// writeFloatCases writes each case's data file and cases.json into dir.
func writeFloatCases(t testing.TB, dir string, cases []floatCase) {
	t.Helper()
	for _, c := range cases {
		b := make([]byte, 4*len(c.data))
		for i, v := range c.data {
			binary.LittleEndian.PutUint32(b[4*i:], math.Float32bits(v))
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

// compareWithTFJS converts modelJSON with `models import-tfjs`, runs both sides on cases and
// returns the largest |TFJS − ORT| divided by norm; values above conformanceTolerance fail.
func compareWithTFJS(t *testing.T, modelJSON string, layers bool, dir string, cases []floatCase, norm float64) (worst float64, outShape []int64) {
	t.Helper()
	node, rig := tfjsRig(t)
	onnxPath := filepath.Join(dir, "model.onnx")
	if out, err := engine("models", "import-tfjs", modelJSON, onnxPath).CombinedOutput(); err != nil {
		t.Fatalf("import-tfjs: %v\n%s", err, out)
	}
	outDir := filepath.Join(dir, "tfjs-out")
	args := []string{filepath.Join(rig, "ref.mjs"), modelJSON, filepath.Join(dir, "cases.json"), outDir}
	if layers {
		args = append(args, "--layers")
	}
	if out, err := exec.Command(node, args...).CombinedOutput(); err != nil {
		t.Fatalf("tfjs reference: %v\n%s", err, out)
	}
	sess, err := onnx.NewSession(onnxPath, onnx.SessionOptions{})
	if err != nil {
		t.Fatalf("ort session: %v", err)
	}
	defer sess.Close()
	for _, c := range cases {
		want := readFloat32s(t, filepath.Join(outDir, c.File+".out"))
		in, err := onnx.NewTensorFrom(c.data, c.Shape...)
		if err != nil {
			t.Fatal(err)
		}
		outs, err := sess.RunAlloc([]onnx.Value{in})
		in.Destroy()
		if err != nil {
			t.Fatalf("%s: ort run: %v", c.File, err)
		}
		ten, ok := outs[0].(*onnx.Tensor[float32])
		if !ok {
			destroyAll(outs)
			t.Fatalf("%s: output is %T", c.File, outs[0])
		}
		got := ten.Data()
		outShape = ten.Shape()
		if len(got) != len(want) {
			destroyAll(outs)
			t.Fatalf("%s: ORT output %v has %d values, TFJS %d", c.File, outShape, len(got), len(want))
		}
		bad := 0
		for i := range want {
			d := math.Abs(float64(got[i]-want[i])) / norm
			if math.IsNaN(d) {
				d = math.Inf(1)
			}
			worst = max(worst, d)
			if d > conformanceTolerance && bad < 5 {
				bad++
				t.Errorf("%s (%s): value %d differs: tfjs %v, ort %v", c.File, c.desc, i, want[i], got[i])
			}
		}
		destroyAll(outs)
	}
	return worst, outShape
}

// TestConformanceTFJSSegment runs selfie and meet (fp16 TFJS graph models with Conv2DBackpropInput and
// MatMul) on ORT after import and on TFJS, over 0..1 inputs; every output value within 1e-3.
func TestConformanceTFJSSegment(t *testing.T) {
	ortInit(t)
	for _, m := range []struct {
		name string
		h, w int
	}{{"selfie", 256, 256}, {"meet", 144, 256}} {
		t.Run(m.name, func(t *testing.T) {
			dir := t.TempDir()
			cases := floatCases(t, dir, m.h, m.w, 1)
			worst, shape := compareWithTFJS(t, tfjsModelPath(t, m.name), false, dir, cases, 1)
			t.Logf("%d inputs %dx%d, output %v, largest difference %.3g", len(cases), m.h, m.w, shape, worst)
		})
	}
}

// TestConformanceTFJSUpscale runs ESRGAN layers models (tfjs-layers on the TFJS side) on small
// frames; differences are in units of the output range (255 for slim/medium, 1 for thick).
func TestConformanceTFJSUpscale(t *testing.T) {
	ortInit(t)
	pats := []string{"noise", "hgradient", "circles", "figure-center"}
	for _, m := range []struct {
		name  string
		h, w  int
		scale float32
	}{
		{"esrgan-slim-x2", 24, 32, 255}, {"esrgan-slim-x3", 20, 16, 255}, {"esrgan-slim-x4", 24, 32, 255},
		{"esrgan-slim-x8", 12, 16, 255}, {"esrgan-medium-x2", 24, 32, 255}, {"esrgan-thick-x2", 16, 24, 1},
		{"esrgan-thick-x4", 16, 16, 1},
	} {
		t.Run(m.name, func(t *testing.T) {
			dir := t.TempDir()
			cases := floatCases(t, dir, m.h, m.w, m.scale, pats...)
			worst, shape := compareWithTFJS(t, tfjsModelPath(t, m.name), true, dir, cases, float64(m.scale))
			t.Logf("%d inputs %dx%d, output %v, largest difference %.3g of full range", len(cases), m.h, m.w, shape, worst)
		})
	}
}
