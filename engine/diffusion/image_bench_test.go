package diffusion

import (
	"image"
	"testing"
)

func BenchmarkToCHW512(b *testing.B) {
	img := image.NewRGBA(image.Rect(0, 0, 512, 512))
	t, _ := NewTensor(Float32, 1, 3, 512, 512)
	for b.Loop() {
		toCHW(img, t)
	}
}

func BenchmarkFromCHW512(b *testing.B) {
	img := image.NewRGBA(image.Rect(0, 0, 512, 512))
	t, _ := NewTensor(Float32, 1, 3, 512, 512)
	for b.Loop() {
		fromCHW(t, img)
	}
}

func BenchmarkFromCHW512Half(b *testing.B) {
	img := image.NewRGBA(image.Rect(0, 0, 512, 512))
	t, _ := NewTensor(Float16, 1, 3, 512, 512)
	for b.Loop() {
		fromCHW(t, img)
	}
}
