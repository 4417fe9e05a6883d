package diffusion_test

import (
	"bytes"
	"testing"

	"github.com/vivid-ml/vivid-ml-engine/engine/diffusion"
	"github.com/vivid-ml/vivid-ml-engine/engine/diffusion/tiny"
)

func generate(t *testing.T, p *diffusion.Pipeline, prompt string, req diffusion.Request) []byte {
	t.Helper()
	e, err := p.EncodePrompt(prompt)
	if err != nil {
		t.Fatal(err)
	}
	req.Cond = e
	if req.Size == 0 {
		req.Size = 64
	}
	out, err := p.Generate(req, testImage(64))
	if err != nil {
		t.Fatal(err)
	}
	return out.Pix
}

func TestGenerateDeterministic(t *testing.T) {
	for _, tc := range []struct {
		name  string
		fp16  bool
		taesd bool
	}{
		{"fp32", false, false}, {"fp16", true, false}, {"taesd", false, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := openTiny(t, tiny.Options{Seed: 1, FP16: tc.fp16, TAESD: tc.taesd}, tc.taesd)
			base := diffusion.Request{Steps: 4, Strength: 0.5, Seed: 42}
			a := generate(t, p, "a photo of a cat", base)
			b := generate(t, p, "a photo of a cat", base)
			if !bytes.Equal(a, b) {
				t.Fatal("same seed and prompt gave different images")
			}
			other := base
			other.Seed = 43
			if bytes.Equal(a, generate(t, p, "a photo of a cat", other)) {
				t.Fatal("seeds 42 and 43 gave identical images")
			}
			if bytes.Equal(a, generate(t, p, "a photo of a dog", base)) {
				t.Fatal("different prompts gave identical images")
			}
			cfg := base
			cfg.Guidance = 3
			if bytes.Equal(a, generate(t, p, "a photo of a cat", cfg)) {
				t.Fatal("guidance 3 gave the same image as guidance 0")
			}
			// Back to the first request after the batch-2 (CFG) frame: identical again.
			if !bytes.Equal(a, generate(t, p, "a photo of a cat", base)) {
				t.Fatal("result changed after a CFG frame")
			}
		})
	}
}

// TestRNG: --rng engine stays deterministic and differs from the default torch stream;
// an unknown generator is refused before anything loads.
func TestRNG(t *testing.T) {
	initORT(t)
	dir := tinyDir(t, tiny.Options{Seed: 2})
	open := func(rng string) (*diffusion.Pipeline, error) {
		return diffusion.Open(diffusion.Config{Dir: dir, Backend: cpuBackend(t), RNG: rng})
	}
	req := diffusion.Request{Steps: 4, Strength: 0.75, Seed: 7, Guidance: 2}
	var outs [][]byte
	for _, rng := range []string{"", diffusion.RNGEngine, diffusion.RNGTorch} {
		p, err := open(rng)
		if err != nil {
			t.Fatal(err)
		}
		if want := map[string]string{"": "torch"}[rng]; want != "" && p.RNG() != want {
			t.Errorf("default rng %q, want %q", p.RNG(), want)
		}
		a := generate(t, p, "a photo of a cat", req)
		if !bytes.Equal(a, generate(t, p, "a photo of a cat", req)) {
			t.Fatalf("rng %q: same seed gave different images", rng)
		}
		outs = append(outs, a)
		p.Close()
	}
	if !bytes.Equal(outs[0], outs[2]) || bytes.Equal(outs[0], outs[1]) {
		t.Fatal("want default == torch != engine")
	}
	if _, err := open("numpy"); err == nil || err.Error() != `diffusion: unknown rng "numpy" (want torch or engine)` {
		t.Fatalf("error %v", err)
	}
}

// TestSeedBlendTorch: with the torch generator, blend 0 is Seed's picture, blend 1 SeedB's,
// and a blend between is neither.
func TestSeedBlendTorch(t *testing.T) {
	p := openTiny(t, tiny.Options{Seed: 4}, false)
	img := func(seed, seedB uint64, blend float64) []byte {
		return generate(t, p, "a photo of a cat", diffusion.Request{Steps: 4, Strength: 1, Seed: seed, SeedB: seedB, SeedBlend: blend})
	}
	a, b := img(1, 0, 0), img(2, 0, 0)
	if !bytes.Equal(img(1, 2, 0), a) || !bytes.Equal(img(1, 2, 1), b) {
		t.Fatal("blend 0 / 1 is not exactly seed / seed B")
	}
	if mid := img(1, 2, 0.5); bytes.Equal(mid, a) || bytes.Equal(mid, b) {
		t.Fatal("blend 0.5 equals one of the seeds")
	}
}
