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
