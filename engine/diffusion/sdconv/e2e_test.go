package sdconv

import (
	"bytes"
	"encoding/json"
	"image"
	"os"
	"path/filepath"
	"testing"

	"github.com/vivid-ml/vivid-ml-engine/engine/diffusion"
	"github.com/vivid-ml/vivid-ml-engine/engine/diffusion/clip"
	"github.com/vivid-ml/vivid-ml-engine/onnx"
)

// edgeConfigs is a tiny SDXL whose edges are the real ones (CLIP widths 768 and 1280,
// context 2048, pooled 1280, 8× VAE), with the tiny CLIP vocabulary: the engine's
// pipeline runs it unchanged.
func edgeConfigs() (CLIPConfig, CLIPConfig, UNetConfig, VAEConfig) {
	vocab := int64(len(clip.BuildVocab(clip.TinyMerges)))
	l := CLIPConfig{HiddenSize: 768, IntermediateSize: 32, NumHiddenLayers: 2, NumAttentionHeads: 12, MaxPositions: 77,
		HiddenAct: "quick_gelu", LayerNormEps: 1e-5, ProjectionDim: 768, VocabSize: vocab, EOSTokenID: 2}
	l.NumHiddenLayers = 1 // penultimate hidden state = the embeddings: enough for the pipeline's plumbing
	g := l
	g.HiddenSize, g.NumAttentionHeads, g.HiddenAct, g.ProjectionDim, g.WithProjection = 1280, 20, "gelu", 1280, true
	g.Architectures = []string{"CLIPTextModelWithProjection"}
	u := tinySDXLUNet()
	u.CrossAttentionDim, u.ProjectionClassEmbeddingsInputDim = intList{2048}, 1280+6*8
	v := tinyVAE()
	v.BlockOutChannels = []int64{8, 8, 16, 16}
	return l, g, u, v
}

// writeEdgeFolder writes the edge-config SDXL as a diffusers folder with tokenizers.
func writeEdgeFolder(t testing.TB, dir string) {
	t.Helper()
	l, g, u, v := edgeConfigs()
	parts := []struct {
		sub, file string
		cfg       any
		builds    []func(Source) (*graph, error)
	}{
		{"text_encoder", "model.safetensors", l, []func(Source) (*graph, error){func(s Source) (*graph, error) { return buildCLIP("t", s, l, false) }}},
		{"text_encoder_2", "model.safetensors", g, []func(Source) (*graph, error){func(s Source) (*graph, error) { return buildCLIP("t", s, g, false) }}},
		{"unet", "diffusion_pytorch_model.safetensors", u, []func(Source) (*graph, error){func(s Source) (*graph, error) { return buildUNet(s, u, false) }}},
		{"vae", "diffusion_pytorch_model.safetensors", v, []func(Source) (*graph, error){
			func(s Source) (*graph, error) { return buildVAEDecoder(s, v, false) },
			func(s Source) (*graph, error) { return buildVAEEncoder(s, v, false) }}},
	}
	for i, p := range parts {
		w := randomWeights(t, uint64(50+i), p.builds[0])
		for _, b := range p.builds[1:] {
			w = mergeSources(t, w, randomWeights(t, uint64(60+i), b))
		}
		copyWeights(t, w, filepath.Join(dir, p.sub, p.file))
		b, _ := json.Marshal(p.cfg)
		os.WriteFile(filepath.Join(dir, p.sub, "config.json"), b, 0o644)
	}
	if err := clip.WriteTinyVocab(filepath.Join(dir, "tokenizer"), clip.EndOfText); err != nil {
		t.Fatal(err)
	}
	if err := clip.WriteTinyVocab(filepath.Join(dir, "tokenizer_2"), "!"); err != nil {
		t.Fatal(err)
	}
}

func copyWeights(t testing.TB, w Source, path string) {
	t.Helper()
	var ts []tensorToWrite
	for _, n := range w.Names() {
		shape, _ := w.Shape(n)
		v, err := w.Float32(n)
		if err != nil {
			t.Fatal(err)
		}
		ts = append(ts, tensorToWrite{n, shape, v})
	}
	writeF32(t, path, ts)
}

// TestConvertThenGenerate: `models convert` of a tiny checkpoint, then the engine's
// SDXL img2img pipeline runs on the converted folder (fp32 and fp16), deterministically.
func TestConvertThenGenerate(t *testing.T) {
	src := t.TempDir()
	writeEdgeFolder(t, src)
	initORT(t)
	be, err := onnx.NewBackend(onnx.BackendConfig{Library: onnx.LibraryPath(), Threads: 2})
	if err != nil {
		t.Fatal(err)
	}
	for _, fp16 := range []bool{false, true} {
		out := t.TempDir()
		res, err := Convert(src, out, Options{FP16: fp16})
		if err != nil {
			t.Fatal(err)
		}
		if len(res.Warnings) != 0 {
			t.Errorf("warnings %q", res.Warnings)
		}
		if err := WriteSidecar(out, res, Options{FP16: fp16}); err != nil {
			t.Fatal(err)
		}
		p, err := diffusion.Open(diffusion.Config{Dir: out, Backend: be})
		if err != nil {
			t.Fatalf("fp16 %v: engine cannot open the converted folder: %v", fp16, err)
		}
		run := func(seed uint64) []byte {
			e, err := p.EncodePrompt("a photo of a cat")
			if err != nil {
				t.Fatal(err)
			}
			img := image.NewRGBA(image.Rect(0, 0, 64, 64))
			for i := range img.Pix {
				img.Pix[i] = uint8(i * 7)
			}
			o, err := p.Generate(diffusion.Request{Steps: 4, Strength: 0.5, Seed: seed, Size: 64, Cond: e}, img)
			if err != nil {
				t.Fatal(err)
			}
			return o.Pix
		}
		a, b, c := run(1), run(1), run(2)
		if !bytes.Equal(a, b) || bytes.Equal(a, c) || len(a) != 64*64*4 {
			t.Errorf("fp16 %v: generate not deterministic or ignores the seed", fp16)
		}
		p.Close()
	}
}

// TestWriteEdgeFolder writes the tiny SDXL-edged checkpoint (diffusers layout) into
// $VIVID_SDCONV_WRITE_TINY for trying `models convert` and `diffusion run` by hand.
func TestWriteEdgeFolder(t *testing.T) {
	dir := os.Getenv("VIVID_SDCONV_WRITE_TINY")
	if dir == "" {
		t.Skip("set VIVID_SDCONV_WRITE_TINY=DIR to write the tiny checkpoint there")
	}
	writeEdgeFolder(t, dir)
}
