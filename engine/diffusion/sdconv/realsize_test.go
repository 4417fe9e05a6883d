package sdconv

import (
	"encoding/json"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"testing"
	"time"

	"github.com/vivid-ml/vivid-ml-engine/models/safetensors"
)

// TestRealSizeConvert converts a real-size SD 2.1 UNet (866 M parameters, 3.5 GB of
// random float32 weights in a diffusers folder) with Convert and WriteSidecar as
// `models convert --parts unet` does, then runs it in ONNX Runtime: the external-data
// path, memory and time at real size. Opt-in (it writes ~7 GB):
// VIVID_SDCONV_REAL=DIR go test -run TestRealSizeConvert -timeout 30m ./engine/diffusion/sdconv/
func TestRealSizeConvert(t *testing.T) {
	dir := os.Getenv("VIVID_SDCONV_REAL")
	if dir == "" {
		t.Skip("set VIVID_SDCONV_REAL=DIR (≈7 GB free) to convert a real-size SD 2.1 UNet there")
	}
	src, out := filepath.Join(dir, "src"), filepath.Join(dir, "out")
	os.RemoveAll(out)
	uc := DefaultSD21UNet()
	t0 := time.Now()
	if _, err := os.Stat(filepath.Join(src, "unet", "diffusion_pytorch_model.safetensors")); err != nil {
		rec := newRecorder()
		if _, err := buildUNet(rec, uc, false); err != nil {
			t.Fatal(err)
		}
		rng := rand.New(rand.NewPCG(1, 2))
		var ts []safetensors.Tensor
		for name, shape := range rec.want {
			v := make([]float32, numel(shape))
			fan := float64(numel(shape[1:]))
			if len(shape) == 1 {
				fan = 1
			}
			for i := range v { // roughly torch's default init scale
				v[i] = float32((rng.Float64()*2 - 1) / math.Sqrt(fan))
			}
			if len(shape) == 1 && filepath.Ext(name) == ".weight" {
				for i := range v {
					v[i] = 1 + v[i]*0.05
				}
			}
			ts = append(ts, safetensors.FromFloat32(name, safetensors.F32, shape, v))
		}
		if err := os.MkdirAll(filepath.Join(src, "unet"), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := safetensors.WriteFile(filepath.Join(src, "unet", "diffusion_pytorch_model.safetensors"), ts, nil); err != nil {
			t.Fatal(err)
		}
		clear(ts)
		runtime.GC()
		writeJSON(t, filepath.Join(src, "unet", "config.json"), uc)
		// the folder needs a VAE and a text encoder; --parts unet builds neither
		vc, cc := tinyVAE(), tinyCLIPL()
		copyWeights(t, randomWeights(t, 1, func(s Source) (*graph, error) { return buildVAEDecoder(s, vc, false) }),
			filepath.Join(src, "vae", "diffusion_pytorch_model.safetensors"))
		copyWeights(t, randomWeights(t, 2, func(s Source) (*graph, error) { return buildCLIP("t", s, cc, false) }),
			filepath.Join(src, "text_encoder", "model.safetensors"))
		for sub, c := range map[string]any{"vae": vc, "text_encoder": cc} {
			writeJSON(t, filepath.Join(src, sub, "config.json"), c)
		}
		t.Logf("wrote the source in %v", time.Since(t0))
	}
	o := Options{Parts: []string{"unet"}}
	t0 = time.Now()
	res, err := Convert(src, out, o)
	if err != nil {
		t.Fatal(err)
	}
	conv := time.Since(t0)
	if err := WriteSidecar(out, res, o); err != nil {
		t.Fatal(err)
	}
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	t.Logf("converted in %v, sidecar after %v (Go heap peak %d MiB), files %v", conv, time.Since(t0), ms.HeapSys>>20, res.Models)
	t0 = time.Now()
	if err := UpToDate(src, out, o); err != nil {
		t.Fatalf("not current: %v", err)
	}
	t.Logf("verified (rehash) in %v", time.Since(t0))
	t0 = time.Now()
	ins := []tensorIn{{name: "sample", shape: []int64{1, 4, 32, 32}, f32: randn(3, 4*32*32)},
		{name: "timestep", shape: []int64{1}, f32: []float32{499}},
		{name: "encoder_hidden_states", shape: []int64{1, 77, 1024}, f32: randn(4, 77*1024)}}
	y := runModel(t, filepath.Join(out, "unet", "model.onnx"), ins...)["out_sample"]
	if len(y) != 4*32*32 || !finite(y) {
		t.Fatalf("out_sample: %d values, finite %v", len(y), finite(y))
	}
	var m float64
	for _, v := range y {
		m = math.Max(m, math.Abs(float64(v)))
	}
	t.Logf("ONNX Runtime loaded and ran it in %v: out_sample max |y| %.3g", time.Since(t0), m)
}

func writeJSON(t testing.TB, path string, v any) {
	t.Helper()
	b, err := json.Marshal(v)
	if err == nil {
		err = os.WriteFile(path, b, 0o644)
	}
	if err != nil {
		t.Fatal(err)
	}
}
