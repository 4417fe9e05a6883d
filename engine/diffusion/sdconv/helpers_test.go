package sdconv

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/vivid-ml/vivid-ml-engine/engine/convert"
	"github.com/vivid-ml/vivid-ml-engine/models"
	"github.com/vivid-ml/vivid-ml-engine/models/safetensors"
	"github.com/vivid-ml/vivid-ml-engine/onnx"
)

// Tiny configs, the same as scripts/gpu/diffusers_safetensors.py makes with diffusers.
func tinyCLIPL() CLIPConfig {
	return CLIPConfig{HiddenSize: 32, IntermediateSize: 37, NumHiddenLayers: 3, NumAttentionHeads: 4, MaxPositions: 77,
		HiddenAct: "quick_gelu", LayerNormEps: 1e-5, ProjectionDim: 32, VocabSize: 1000, EOSTokenID: 999}
}

func tinyCLIPG() CLIPConfig {
	return CLIPConfig{HiddenSize: 48, IntermediateSize: 64, NumHiddenLayers: 3, NumAttentionHeads: 4, MaxPositions: 77,
		HiddenAct: "gelu", LayerNormEps: 1e-5, ProjectionDim: 40, VocabSize: 1000, EOSTokenID: 999, WithProjection: true}
}

func tinyVAE() VAEConfig {
	c := DefaultVAE()
	c.BlockOutChannels, c.NormNumGroups = []int64{16, 32}, 8
	return c
}

func tinyTAESD() TAESDConfig {
	c := DefaultTAESD()
	c.EncoderChannels, c.DecoderChannels = []int64{8, 8, 8, 8}, []int64{8, 8, 8, 8}
	c.NumEncoderBlocks, c.NumDecoderBlocks = []int64{1, 2, 2, 2}, []int64{2, 2, 2, 1}
	return c
}

func tinySDXLUNet() UNetConfig {
	c := DefaultSDXLUNet()
	c.BlockOutChannels, c.AttentionHeadDim, c.TransformerLayersPerBlock = []int64{32, 64}, intList{2, 4}, intList{1, 2}
	c.DownBlockTypes, c.UpBlockTypes = []string{"DownBlock2D", "CrossAttnDownBlock2D"}, []string{"CrossAttnUpBlock2D", "UpBlock2D"}
	c.CrossAttentionDim, c.AdditionTimeEmbedDim, c.ProjectionClassEmbeddingsInputDim, c.NormNumGroups = intList{80}, 8, 88, 8
	return c
}

func tinySD21UNet() UNetConfig {
	c := DefaultSD21UNet()
	c.BlockOutChannels, c.AttentionHeadDim, c.CrossAttentionDim, c.NormNumGroups = []int64{16, 32, 32, 32}, intList{2, 4, 4, 4}, intList{32}, 8
	return c
}

// randomWeights writes random weights for every tensor build asks for into a
// safetensors file and opens it. Norm weights are near 1, everything else small.
func randomWeights(t testing.TB, seed uint64, build func(Source) (*graph, error)) *Files {
	t.Helper()
	rec := newRecorder()
	if _, err := build(rec); err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(seed, 1))
	var ts []safetensors.Tensor
	for name, shape := range rec.want {
		v := make([]float32, numel(shape))
		norm := strings.Contains(name, "norm") && strings.HasSuffix(name, ".weight")
		for i := range v {
			v[i] = float32(rng.NormFloat64() * 0.1)
			if norm {
				v[i]++
			}
		}
		ts = append(ts, safetensors.FromFloat32(name, safetensors.F32, shape, v))
	}
	path := filepath.Join(t.TempDir(), "w.safetensors")
	if err := safetensors.WriteFile(path, ts, nil); err != nil {
		t.Fatal(err)
	}
	f, err := OpenFiles(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	return f
}

// checkONNX validates models with the ONNX reference checker (Debian python3-onnx).
func checkONNX(t testing.TB, paths ...string) {
	t.Helper()
	py := "/usr/bin/python3"
	if err := exec.Command(py, "-c", "import onnx").Run(); err != nil {
		if os.Getenv("VIVID_E2E_STRICT") != "" {
			t.Fatalf("python3 with onnx not available: %v", err)
		}
		t.Logf("python3 with onnx not available, not checking: %v", err)
		return
	}
	script := "import onnx,sys\nfor p in sys.argv[1:]:\n  onnx.checker.check_model(onnx.load(p), full_check=True)\n"
	if out, err := exec.Command(py, append([]string{"-c", script}, paths...)...).CombinedOutput(); err != nil {
		t.Fatalf("onnx checker: %v\n%s", err, out)
	}
}

// initORT loads ONNX Runtime ($ONNXRUNTIME_LIB, else the cached one); skips without it.
func initORT(t testing.TB) {
	t.Helper()
	lib := os.Getenv("ONNXRUNTIME_LIB")
	if lib == "" {
		if st, err := models.Open(models.Options{Offline: true}); err == nil {
			if p, err := st.ORTLibrary(context.Background()); err == nil {
				lib = p
			}
		}
	}
	if _, err := os.Stat(lib); err != nil {
		if os.Getenv("VIVID_E2E_STRICT") != "" {
			t.Fatalf("no ONNX Runtime library: set ONNXRUNTIME_LIB (%v)", err)
		}
		t.Skipf("no ONNX Runtime library: set ONNXRUNTIME_LIB (%v)", err)
	}
	if err := onnx.Init(lib); err != nil {
		t.Fatal(err)
	}
}

// tensorIn is one float32 or int32 input.
type tensorIn struct {
	name  string
	shape []int64
	f32   []float32
	i32   []int32
}

// runModel runs model.onnx on the inputs (in the model's input order) and returns
// every output by name (float32 outputs only).
func runModel(t testing.TB, path string, ins ...tensorIn) map[string][]float32 {
	return runModelShapes(t, path, nil, ins...)
}

// runModelShapes is runModel for models with float16 outputs, whose shapes it needs.
func runModelShapes(t testing.TB, path string, outShapes map[string][]int64, ins ...tensorIn) map[string][]float32 {
	t.Helper()
	initORT(t)
	s, err := onnx.NewSession(path, onnx.SessionOptions{Threads: 2})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	by := map[string]tensorIn{}
	for _, in := range ins {
		by[in.name] = in
	}
	var vals []onnx.Value
	for _, info := range s.Inputs() {
		in, ok := by[info.Name]
		if !ok {
			t.Fatalf("%s: no value for input %s", path, info.Name)
		}
		var v onnx.Value
		switch {
		case in.i32 != nil:
			v, err = onnx.NewTensorFrom(in.i32, in.shape...)
		case info.Elem == onnx.ElemFloat16:
			h := make([]onnx.Float16, len(in.f32))
			for i, x := range in.f32 {
				h[i] = onnx.Float16From(x)
			}
			v, err = onnx.NewTensorFrom(h, in.shape...)
		default:
			v, err = onnx.NewTensorFrom(in.f32, in.shape...)
		}
		if err != nil {
			t.Fatal(err)
		}
		defer v.Destroy()
		vals = append(vals, v)
	}
	res := map[string][]float32{}
	if s.Outputs()[0].Elem != onnx.ElemFloat16 {
		outs, err := s.RunAlloc(vals)
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		for i, info := range s.Outputs() {
			res[info.Name] = append([]float32(nil), outs[i].(*onnx.Tensor[float32]).Data()...)
			outs[i].Destroy()
		}
		return res
	}
	// float16 outputs must be preallocated: their shapes come from outShapes.
	outs := make([]onnx.Value, len(s.Outputs()))
	for i, info := range s.Outputs() {
		shape, ok := outShapes[info.Name]
		if !ok {
			t.Fatalf("%s: no shape for float16 output %s", path, info.Name)
		}
		o, err := onnx.NewTensor[onnx.Float16](shape...)
		if err != nil {
			t.Fatal(err)
		}
		defer o.Destroy()
		outs[i] = o
	}
	if err := s.Run(vals, outs); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	for i, info := range s.Outputs() {
		h := outs[i].(*onnx.Tensor[onnx.Float16]).Data()
		f := make([]float32, len(h))
		for j, x := range h {
			f[j] = convert.Float32From16(uint16(x))
		}
		res[info.Name] = f
	}
	return res
}

func randn(seed uint64, n int64) []float32 {
	rng := rand.New(rand.NewPCG(seed, 2))
	v := make([]float32, n)
	for i := range v {
		v[i] = float32(rng.NormFloat64())
	}
	return v
}

// maxRelErr is max|a−b| / max(max|b|, tiny).
func maxRelErr(a, b []float32) float64 {
	var d, m float64
	for i := range b {
		d = math.Max(d, math.Abs(float64(a[i])-float64(b[i])))
		m = math.Max(m, math.Abs(float64(b[i])))
	}
	return d / math.Max(m, 1e-12)
}

func finite(v []float32) bool {
	for _, x := range v {
		if math.IsNaN(float64(x)) || math.IsInf(float64(x), 0) {
			return false
		}
	}
	return true
}

type tensorToWrite struct {
	name  string
	shape []int64
	v     []float32
}

func writeF32(t testing.TB, path string, ts []tensorToWrite) {
	t.Helper()
	var out []safetensors.Tensor
	for _, x := range ts {
		out = append(out, safetensors.FromFloat32(x.name, safetensors.F32, x.shape, x.v))
	}
	if err := safetensors.WriteFile(path, out, map[string]string{"format": "pt"}); err != nil {
		t.Fatal(err)
	}
}

// recorder is a Source that has every weight: building a graph over it lists the
// weights (with their stored shapes) a config needs. Float32 fails.
type recorder struct{ want map[string][]int64 }

func newRecorder() *recorder { return &recorder{want: map[string][]int64{}} }

func (r *recorder) record(n string, s []int64) { r.want[n] = s }

func (r *recorder) Shape(string) ([]int64, bool) { return nil, true }
func (r *recorder) Float32(n string) ([]float32, error) {
	return nil, fmt.Errorf("%w: %s: the recorder has no data", ErrWeights, n)
}
func (r *recorder) Names() []string { return nil }
