package diffusion_test

import (
	"testing"

	"github.com/vivid-ml/vivid-ml-engine/engine/diffusion"
	"github.com/vivid-ml/vivid-ml-engine/engine/diffusion/tiny"
)

// BenchmarkGenerate512 times one img2img frame (4 steps × 0.5) on the tiny models at
// 512²; overhead-ms/op is the engine's own time (everything but ONNX Runtime Run).
func BenchmarkGenerate512(b *testing.B) {
	p := openTiny(b, tiny.Options{Seed: 1}, false)
	e, err := p.EncodePrompt("a photo of a cat")
	if err != nil {
		b.Fatal(err)
	}
	img := testImage(512)
	req := diffusion.Request{Cond: e, Steps: 4, Strength: 0.5, Seed: 42, Size: 512}
	if _, err := p.Generate(req, img); err != nil {
		b.Fatal(err)
	}
	var over float64
	b.ResetTimer()
	for b.Loop() {
		if _, err := p.Generate(req, img); err != nil {
			b.Fatal(err)
		}
		over += float64(p.Timings().Overhead().Microseconds()) / 1000
	}
	b.ReportMetric(over/float64(b.N), "overhead-ms/op")
}
