package tfjs

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"google.golang.org/protobuf/proto"

	"github.com/vivid-ml/vivid-ml-engine/onnx/onnxpb"
)

// tinyModel is input → Cast → Mul(w) → Identity, with w a float32 [3] weight in shard "w.bin".
const tinyModel = `{"format":"graph-model","modelTopology":{"node":[
 {"name":"input","op":"Placeholder","attr":{"dtype":{"type":"DT_INT32"},"shape":{"shape":{"dim":[{"size":"1"},{"size":"-1"},{"size":"-1"},{"size":"3"}]}}}},
 {"name":"w","op":"Const","attr":{"dtype":{"type":"DT_FLOAT"}}},
 {"name":"f","op":"Cast","input":["input"],"attr":{"DstT":{"type":"DT_FLOAT"}}},
 {"name":"m","op":"Mul","input":["f","w"]},
 {"name":"Identity","op":"Identity","input":["m"]}]},
 "weightsManifest":[{"paths":["w.bin"],"weights":[{"name":"w","shape":[3],"dtype":"float32"}]}]}`

func floats(v ...float32) []byte {
	var b []byte
	for _, x := range v {
		b = binary.LittleEndian.AppendUint32(b, math.Float32bits(x))
	}
	return b
}

func shardReader(shards map[string][]byte) WeightsReader {
	return func(p string) ([]byte, error) {
		b, ok := shards[p]
		if !ok {
			return nil, os.ErrNotExist
		}
		return b, nil
	}
}

func TestConvertTiny(t *testing.T) {
	m, err := Convert([]byte(tinyModel), shardReader(map[string][]byte{"w.bin": floats(1, 2, 3)}))
	if err != nil {
		t.Fatal(err)
	}
	if m.GetIrVersion() != IRVersion || m.GetOpsetImport()[0].GetVersion() != Opset {
		t.Fatalf("ir %d opset %d", m.GetIrVersion(), m.GetOpsetImport()[0].GetVersion())
	}
	g := m.GetGraph()
	var ops []string
	for _, n := range g.GetNode() {
		ops = append(ops, n.GetOpType())
	}
	if got := strings.Join(ops, " "); got != "Cast Mul Identity" {
		t.Errorf("ops = %q", got)
	}
	in := g.GetInput()[0]
	if in.GetName() != "input" || in.GetType().GetTensorType().GetElemType() != int32(onnxpb.TensorProto_INT32) {
		t.Errorf("input = %v", in)
	}
	dims := in.GetType().GetTensorType().GetShape().GetDim()
	if dims[1].GetDimParam() != "height" || dims[2].GetDimParam() != "width" || dims[3].GetDimValue() != 3 {
		t.Errorf("input dims = %v", dims)
	}
	if out := g.GetOutput()[0]; out.GetName() != "Identity" {
		t.Errorf("output = %q", out.GetName())
	}
	if len(g.GetInitializer()) != 1 || g.GetInitializer()[0].GetName() != "w" {
		t.Errorf("initializers = %v", g.GetInitializer())
	}
	if _, err := proto.Marshal(m); err != nil {
		t.Fatal(err)
	}
}

func TestConvertFileAtomic(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "model.json"), []byte(tinyModel), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "w.bin"), floats(1, 2, 3), 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "m.onnx")
	if err := ConvertFile(filepath.Join(dir, "model.json"), out); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	var m onnxpb.ModelProto
	if err := proto.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	// A failing conversion leaves the previous file alone and no temp files behind.
	if err := os.Remove(filepath.Join(dir, "w.bin")); err != nil {
		t.Fatal(err)
	}
	if err := ConvertFile(filepath.Join(dir, "model.json"), out); !errors.Is(err, ErrBadWeights) {
		t.Fatalf("err = %v", err)
	}
	ents, _ := os.ReadDir(dir)
	if len(ents) != 2 {
		t.Errorf("dir has %d entries, want model.json and m.onnx", len(ents))
	}
}

// model returns tinyModel with old replaced by new (one edit per error case).
func model(old, new string) string {
	if !strings.Contains(tinyModel, old) {
		panic("test model has no " + old)
	}
	return strings.Replace(tinyModel, old, new, 1)
}

func TestConvertErrors(t *testing.T) {
	good := map[string][]byte{"w.bin": floats(1, 2, 3)}
	tests := []struct {
		name   string
		model  string
		shards map[string][]byte
		want   string
		is     error
	}{
		{"bad json", `{"format":`, good, "bad model: model.json: unexpected end of JSON input", ErrBadModel},
		{"layers model", `{"format":"layers-model","modelTopology":{"node":[]}}`, good,
			`bad model: modelTopology holds no Keras model config`, ErrBadModel},
		{"no nodes", `{"modelTopology":{"node":[]}}`, good, "bad model: modelTopology has no nodes", ErrBadModel},
		{"unknown op", model(`"op":"Mul"`, `"op":"Erfinv"`), good, `unsupported op: Erfinv (node "m")`, ErrUnsupportedOp},
		{"unknown input", model(`"input":["f","w"]`, `"input":["f","nope"]`), good,
			`bad model: node "m": unknown input "nope"`, ErrBadModel},
		{"cycle", model(`"input":["input"]`, `"input":["m"]`), good, `bad model: cycle through node "f"`, ErrBadModel},
		{"missing shard", tinyModel, map[string][]byte{}, `bad weights: shard "w.bin": file does not exist`, ErrBadWeights},
		{"short shard", tinyModel, map[string][]byte{"w.bin": floats(1, 2)},
			`bad weights: group 0 weight "w": needs 12 bytes, shard has 8 left`, ErrBadWeights},
		{"negative dim", model(`"shape":[3]`, `"shape":[-3]`), good,
			`bad weights: group 0 weight "w": negative dimension -3 in shape [-3]`, ErrBadWeights},
		{"huge dims", model(`"shape":[3]`, `"shape":[1000000,1000000,1000000]`), good,
			`bad weights: group 0 weight "w": shape [1000000 1000000 1000000] has more than 268435456 elements`, ErrBadWeights},
		{"escaping path", model(`"paths":["w.bin"]`, `"paths":["../w.bin"]`), good,
			`bad weights: shard path "../w.bin" escapes the model directory`, ErrBadWeights},
		{"absolute path", model(`"paths":["w.bin"]`, `"paths":["/etc/w.bin"]`), good,
			`bad weights: shard path "/etc/w.bin" escapes the model directory`, ErrBadWeights},
		{"string weights", model(`"dtype":"float32"`, `"dtype":"string"`), good,
			`bad weights: group 0 weight "w": dtype "string" not supported`, ErrBadWeights},
		{"missing weight", model(`"name":"w","shape"`, `"name":"v","shape"`), good,
			`node "w" (Const): bad weights: no weight named "w" in the manifest`, ErrBadWeights},
		{"bad quantization", model(`"dtype":"float32"}`, `"dtype":"float32","quantization":{"dtype":"int4"}}`), good,
			`bad weights: group 0 weight "w": quantization dtype "int4" not supported`, ErrBadWeights},
		{"duplicate node", model(`{"name":"m","op":"Mul"`, `{"name":"f","op":"Mul"`), good,
			`bad model: duplicate or empty node name "f"`, ErrBadModel},
		{"bad int attr", model(`"DstT":{"type":"DT_FLOAT"}`, `"DstT":{"type":"DT_FLOAT"},"x":{"i":"zz"}`), good,
			`bad model: model.json: integer "zz": strconv.ParseInt: parsing "zz": invalid syntax`, ErrBadModel},
		{"cast to string", model(`"DstT":{"type":"DT_FLOAT"}`, `"DstT":{"type":"DT_STRING"}`), good,
			`node "f" (Cast): unsupported op: dtype "DT_STRING" not supported`, ErrUnsupportedOp},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Convert([]byte(tc.model), shardReader(tc.shards))
			if tc.want == "" {
				if err != nil {
					t.Fatalf("unexpected error: %v", err)
				}
				return
			}
			if err == nil || err.Error() != tc.want {
				t.Fatalf("error = %v\nwant    %s", err, tc.want)
			}
			if !errors.Is(err, tc.is) {
				t.Errorf("error %v is not %v", err, tc.is)
			}
		})
	}
}

func TestHalfToFloat(t *testing.T) {
	for _, tc := range []struct {
		h    uint16
		want float32
	}{{0x3c00, 1}, {0xc000, -2}, {0x3555, 0.333251953125}, {0x7bff, 65504}, {0x0001, 5.960464477539063e-08},
		{0x8000, float32(math.Copysign(0, -1))}, {0x7c00, float32(math.Inf(1))}} {
		if got := halfToFloat(tc.h); got != tc.want || math.Signbit(float64(got)) != math.Signbit(float64(tc.want)) {
			t.Errorf("halfToFloat(%#04x) = %v, want %v", tc.h, got, tc.want)
		}
	}
	if !math.IsNaN(float64(halfToFloat(0x7e00))) {
		t.Error("0x7e00 is not NaN")
	}
}

func TestSliceLen(t *testing.T) {
	for _, tc := range []struct{ dim, start, end, step, want int64 }{
		{9, 1, -1, 2, 4}, {9, -1, math.MinInt64, -2, 5}, {10, 0, math.MaxInt64, 3, 4}, {5, 3, 1, 1, 0},
		{5, 10, 20, 1, 0}, {-1, 0, 3, 1, -1}, {4, math.MaxInt64, math.MinInt64, -1, 4},
	} {
		if got := sliceLen(tc.dim, tc.start, tc.end, tc.step); got != tc.want {
			t.Errorf("sliceLen%v = %d", []int64{tc.dim, tc.start, tc.end, tc.step}, got)
		}
	}
}

func ExampleConvert() {
	m, err := Convert([]byte(tinyModel), func(string) ([]byte, error) { return floats(1, 2, 3), nil })
	fmt.Println(err, m.GetGraph().GetInput()[0].GetName(), m.GetGraph().GetOutput()[0].GetName())
	// Output: <nil> input Identity
}
