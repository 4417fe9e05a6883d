package diffusion

import (
	"context"
	"errors"
	"fmt"
	"image"
	"math"
	"slices"
	"sync/atomic"
	"testing"

	"github.com/vivid-ml/vivid-ml-engine/onnx"
)

func TestSlerp(t *testing.T) {
	a, b := []float32{1, 0}, []float32{0, 1}
	dst := make([]float32, 2)
	Slerp(dst, a, b, 0.5)
	if math.Abs(float64(dst[0])-math.Sqrt(0.5)) > 1e-6 || math.Abs(float64(dst[1])-math.Sqrt(0.5)) > 1e-6 {
		t.Fatalf("slerp midpoint %v, want unit norm (0.7071, 0.7071)", dst)
	}
	Lerp(dst, a, b, 0.25)
	if !slices.Equal(dst, []float32{0.75, 0.25}) {
		t.Fatalf("lerp %v", dst)
	}
	Slerp(dst, a, a, 0.3) // parallel: falls back to lerp
	if !slices.Equal(dst, a) {
		t.Fatalf("parallel slerp %v", dst)
	}
	e1 := &Embedding{Context: []float32{1, 0}, Pooled: []float32{0}}
	e2 := &Embedding{Context: []float32{0, 1}, Pooled: []float32{2}}
	if BlendEmbeddings(e1, e2, 0, true) != e1 || BlendEmbeddings(e1, e2, 1, false) != e2 {
		t.Fatal("blend ends must return the inputs")
	}
	if got := BlendEmbeddings(e1, e2, 0.5, false); !slices.Equal(got.Pooled, []float32{1}) {
		t.Fatalf("blend pooled %v", got.Pooled)
	}
}

func TestSimilarFilter(t *testing.T) {
	img := image.NewRGBA(image.Rect(0, 0, 64, 64))
	for i := range img.Pix {
		img.Pix[i] = uint8(i)
	}
	other := image.NewRGBA(img.Rect)
	for i := range other.Pix {
		other.Pix[i] = 255 - uint8(i)
	}
	f := SimilarFilter{Threshold: 0.95, MaxSkip: 2}
	var got []bool
	for _, im := range []*image.RGBA{img, img, img, img, other, other} {
		got = append(got, f.Skip(im))
	}
	want := []bool{false, true, true, false, false, true}
	if !slices.Equal(got, want) {
		t.Fatalf("skips %v, want %v", got, want)
	}
	off := SimilarFilter{}
	if off.Skip(img) || off.Skip(img) {
		t.Fatal("threshold 0 must never skip")
	}
}

func TestPromptCache(t *testing.T) {
	var calls atomic.Int32
	c := NewPromptCache(func(p string) (*Embedding, error) {
		calls.Add(1)
		if p == "bad" {
			return nil, errors.New("boom")
		}
		return &Embedding{Pooled: []float32{float32(len(p))}}, nil
	}, 2, nil)
	defer c.Close()
	ctx := context.Background()
	for _, p := range []string{"a", "bb", "a", "ccc"} { // "bb" is evicted by "ccc"
		if _, err := c.Wait(ctx, p); err != nil {
			t.Fatal(err)
		}
	}
	if n := calls.Load(); n != 3 {
		t.Fatalf("%d encodes, want 3 (the second \"a\" is cached)", n)
	}
	if e, ok := c.Get("a"); !ok || e.Pooled[0] != 1 {
		t.Fatal("a not cached")
	}
	if _, ok := c.Get("bb"); ok {
		t.Fatal("bb should have been evicted")
	}
	if _, err := c.Wait(ctx, "bad"); err == nil || err.Error() != "boom" {
		t.Fatalf("err %v, want boom", err)
	}
	if _, ok := c.Get("bad"); ok {
		t.Fatal("a failed prompt must not be reported ready")
	}
}

func TestParseChain(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want []string
		err  string
	}{
		{"", []string{"cpu"}, ""},
		{"TensorRT, cuda,cpu", []string{"tensorrt", "cuda", "cpu"}, ""},
		{"coreml,directml", []string{"coreml", "directml"}, ""},
		{"rocm", nil, `diffusion: unknown execution provider "rocm" (tensorrt, cuda, coreml, directml, cpu)`},
	} {
		got, err := ParseChain(tc.in)
		if tc.err != "" {
			if err == nil || err.Error() != tc.err {
				t.Errorf("%q: err %v, want %q", tc.in, err, tc.err)
			}
			continue
		}
		if err != nil || !slices.Equal(got, tc.want) {
			t.Errorf("%q: got %v, %v; want %v", tc.in, got, err, tc.want)
		}
	}
}

func TestProvidersFor(t *testing.T) {
	p := Providers{Chain: []string{"tensorrt", "cuda", "cpu"}, TRTFP16: true, TRTCacheDir: "/c", TRTTimingCache: true, CUDAMemLimit: 1 << 30}
	got, err := p.For("unet")
	if err != nil {
		t.Fatal(err)
	}
	names := []string{}
	for _, c := range got {
		names = append(names, c.Name)
	}
	if !slices.Equal(names, []string{onnx.ProviderTensorRT, onnx.ProviderCUDA, onnx.ProviderCPU}) {
		t.Fatalf("chain %v", names)
	}
	trt := got[0].Options
	want := "encoder_hidden_states:1x77x2048,sample:1x4x64x64,text_embeds:1x1280,time_ids:1x6,timestep:1"
	if trt["trt_profile_opt_shapes"] != want || trt["trt_profile_max_shapes"] != want || trt["trt_fp16_enable"] != "1" {
		t.Fatalf("tensorrt options %v", trt)
	}
	if got[1].Options["gpu_mem_limit"] != fmt.Sprint(1<<30) {
		t.Fatalf("cuda options %v", got[1].Options)
	}
	p.Dynamic = true
	got, _ = p.For("vae_decoder")
	if o := got[0].Options; o["trt_profile_min_shapes"] != "latent_sample:1x4x32x32" || o["trt_profile_max_shapes"] != "latent_sample:1x4x128x128" {
		t.Fatalf("dynamic vae profile %v", o)
	}
}

// TestProvidersForModelOptions: MODEL.KEY CUDA options reach that model part only and win
// over the same plain key; an unknown model part is named.
func TestProvidersForModelOptions(t *testing.T) {
	p := Providers{Chain: []string{"cuda"}, CUDAOptions: map[string]string{
		"unet.enable_cuda_graph": "1", "cudnn_conv_algo_search": "HEURISTIC", "vae_decoder.cudnn_conv_algo_search": "DEFAULT"}}
	for _, tc := range []struct{ model, graph, search string }{
		{"unet", "1", "HEURISTIC"}, {"vae_encoder", "", "HEURISTIC"}, {"vae_decoder", "", "DEFAULT"},
	} {
		got, err := p.For(tc.model)
		if err != nil {
			t.Fatal(err)
		}
		if o := got[0].Options; o["enable_cuda_graph"] != tc.graph || o["cudnn_conv_algo_search"] != tc.search || o["unet.enable_cuda_graph"] != "" {
			t.Errorf("%s: options %v", tc.model, o)
		}
	}
	p.CUDAOptions = map[string]string{"taesd.enable_cuda_graph": "1"}
	want := `diffusion: CUDA option "taesd.enable_cuda_graph": want KEY or MODEL.KEY with MODEL one of text_encoder, text_encoder_2, unet, vae_encoder, vae_decoder`
	if _, err := p.For("unet"); err == nil || err.Error() != want {
		t.Errorf("err %v, want %q", err, want)
	}
}

func TestParseProviders(t *testing.T) {
	chain, per, err := ParseProviders("tensorrt,cuda,cpu;text_encoder=cpu; text_encoder_2 = cpu")
	if err != nil || !slices.Equal(chain, []string{"tensorrt", "cuda", "cpu"}) || len(per) != 2 || !slices.Equal(per["text_encoder_2"], []string{"cpu"}) {
		t.Fatalf("got %v %v %v", chain, per, err)
	}
	p := Providers{Chain: chain, PerModel: per}
	if got, _ := p.For("text_encoder"); len(got) != 1 || got[0].Name != "cpu" {
		t.Fatalf("text_encoder chain %v", got)
	}
	if got, _ := p.For("unet"); len(got) != 3 {
		t.Fatalf("unet chain %v", got)
	}
	for _, tc := range []struct{ in, want string }{
		{"cpu;vae=cpu", `diffusion: provider override "vae=cpu": want MODEL=LIST with MODEL one of text_encoder, text_encoder_2, unet, vae_encoder, vae_decoder`},
		{"cpu;unet", `diffusion: provider override "unet": want MODEL=LIST with MODEL one of text_encoder, text_encoder_2, unet, vae_encoder, vae_decoder`},
		{"cpu;unet=gpu", `diffusion: unknown execution provider "gpu" (tensorrt, cuda, coreml, directml, cpu)`},
	} {
		if _, _, err := ParseProviders(tc.in); err == nil || err.Error() != tc.want {
			t.Errorf("%q: err %v, want %q", tc.in, err, tc.want)
		}
	}
}

func FuzzParseProviders(f *testing.F) {
	for _, s := range []string{"", "cpu", "tensorrt,cuda,cpu;text_encoder=cpu", ";;unet=", "a=b;c"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		chain, _, err := ParseProviders(s)
		if err == nil && len(chain) == 0 {
			t.Fatal("empty chain without error")
		}
	})
}

func FuzzParseChain(f *testing.F) {
	for _, s := range []string{"", "cpu", "tensorrt,cuda,cpu", " CoreML , ", "x,,y"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		chain, err := ParseChain(s)
		if err == nil && len(chain) == 0 {
			t.Fatal("empty chain without error")
		}
	})
}
