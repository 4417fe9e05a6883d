package xla_test

import (
	"image"
	"testing"

	"github.com/vivid-ml/vivid-ml-engine/engine/diffusion"
	"github.com/vivid-ml/vivid-ml-engine/engine/diffusion/tiny"
	"github.com/vivid-ml/vivid-ml-engine/engine/infer"
)

// recorder wraps a backend and keeps a copy of every tensor the named models see:
// the VAE decoder's input is the final latents, the UNet's outputs the noise predictions.
type recorder struct {
	infer.Backend
	seen map[string][][]float32
}

type recModel struct {
	infer.Model
	name string
	r    *recorder
}

func (r *recorder) Open(spec infer.Spec) (infer.Model, error) {
	m, err := r.Backend.Open(spec)
	if err != nil {
		return nil, err
	}
	return &recModel{Model: m, name: spec.Name, r: r}, nil
}

func (m *recModel) Run(in, out []*infer.Tensor) error {
	if err := m.Model.Run(in, out); err != nil {
		return err
	}
	switch m.name {
	case "vae_decoder":
		m.r.seen["latents"] = append(m.r.seen["latents"], in[0].AllFloats())
	case "unet":
		m.r.seen["noise"] = append(m.r.seen["noise"], out[0].AllFloats())
	case "text_encoder", "text_encoder_2":
		m.r.seen[m.name] = append(m.r.seen[m.name], out[0].AllFloats())
	}
	return nil
}

func testImage(size int) *image.RGBA {
	img := image.NewRGBA(image.Rect(0, 0, size, size))
	for y := range size {
		for x := range size {
			o := img.PixOffset(x, y)
			img.Pix[o], img.Pix[o+1], img.Pix[o+2], img.Pix[o+3] = uint8(4*x), uint8(4*y), uint8(2*(x+y)), 255
		}
	}
	return img
}

// TestTinySDXLPipeline runs the tiny SDXL img2img pipeline (4 steps, strength 1,
// 64², full VAE and TAESD, fp32 and fp16) on ONNX Runtime and on the pure-Go
// backend: final latents, every UNet output and the text embeddings agree.
func TestTinySDXLPipeline(t *testing.T) {
	ort, gob := ortBackend(t), goBackend(t)
	for _, tc := range []struct {
		name  string
		o     tiny.Options
		taesd bool
		tol   float64
	}{
		{"fp32", tiny.Options{Seed: 1}, false, 1e-4},
		{"fp32-taesd", tiny.Options{Seed: 2, TAESD: true}, true, 1e-4},
		// fp16: relative to max(1, |value|): 2e-3 is two fp16 steps (latents reach ~50 at
		// strength 1, where one fp16 step is 0.031).
		{"fp16", tiny.Options{Seed: 1, FP16: true}, false, 2e-3},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			if err := tiny.Write(dir, tc.o); err != nil {
				t.Fatal(err)
			}
			run := func(b infer.Backend) map[string][][]float32 {
				rec := &recorder{Backend: b, seen: map[string][][]float32{}}
				p, err := diffusion.Open(diffusion.Config{Dir: dir, Backend: rec, TAESD: tc.taesd})
				if err != nil {
					t.Fatalf("%s: %v", b.Name(), err)
				}
				defer p.Close()
				e, err := p.EncodePrompt("a photo of a cat")
				if err != nil {
					t.Fatal(err)
				}
				if _, err := p.Generate(diffusion.Request{Cond: e, Steps: 4, Strength: 1, Seed: 42, Size: 64}, testImage(64)); err != nil {
					t.Fatalf("%s: %v", b.Name(), err)
				}
				return rec.seen
			}
			want, got := run(ort), run(gob)
			for _, key := range []string{"latents", "noise", "text_encoder", "text_encoder_2"} {
				if len(want[key]) == 0 || len(want[key]) != len(got[key]) {
					t.Fatalf("%s: ort recorded %d tensors, go %d", key, len(want[key]), len(got[key]))
				}
				var worst float64
				for i := range want[key] {
					for j, w := range want[key][i] {
						d := absf(float64(w - got[key][i][j]))
						if tc.o.FP16 {
							d /= max(1, absf(float64(w)))
						}
						worst = max(worst, d)
					}
				}
				if worst > tc.tol {
					t.Errorf("%s: max |ort − go| = %.3g > %.g", key, worst, tc.tol)
				} else {
					t.Logf("%s: max |ort − go| = %.3g", key, worst)
				}
			}
		})
	}
}

func absf(v float64) float64 {
	if v < 0 {
		return -v
	}
	return v
}
