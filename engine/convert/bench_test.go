package convert

import (
	"fmt"
	"testing"
)

// CPU reference benchmarks (one core). The GPU side is in tensorrt/gpu under -tags cuda.

var benchSizes = [][2]int{{512, 512}, {1920, 1080}}

func benchImage(w, h int) []byte {
	img := make([]byte, 4*w*h)
	for i := range img {
		img[i] = byte(i * 131)
	}
	return img
}

func BenchmarkRGBAToNCHW32(b *testing.B) {
	for _, s := range benchSizes {
		src, dst := benchImage(s[0], s[1]), make([]float32, 3*s[0]*s[1])
		b.Run(fmt.Sprintf("%dx%d", s[0], s[1]), func(b *testing.B) {
			b.SetBytes(int64(len(src)))
			for b.Loop() {
				_ = RGBAToNCHW32(dst, src, s[0], s[1])
			}
		})
	}
}

func BenchmarkRGBAToNCHW16(b *testing.B) {
	for _, s := range benchSizes {
		src, dst := benchImage(s[0], s[1]), make([]uint16, 3*s[0]*s[1])
		b.Run(fmt.Sprintf("%dx%d", s[0], s[1]), func(b *testing.B) {
			b.SetBytes(int64(len(src)))
			for b.Loop() {
				_ = RGBAToNCHW16(dst, src, s[0], s[1])
			}
		})
	}
}

func BenchmarkNCHW32ToRGBA(b *testing.B) {
	for _, s := range benchSizes {
		src, dst := make([]float32, 3*s[0]*s[1]), make([]byte, 4*s[0]*s[1])
		for i := range src {
			src[i] = float32(i%300)/150 - 1
		}
		b.Run(fmt.Sprintf("%dx%d", s[0], s[1]), func(b *testing.B) {
			b.SetBytes(int64(len(dst)))
			for b.Loop() {
				_ = NCHW32ToRGBA(dst, src, s[0], s[1])
			}
		})
	}
}

func BenchmarkResizeBilinear(b *testing.B) {
	src := benchImage(1920, 1080)
	for _, d := range [][2]int{{512, 512}, {192, 192}} {
		dst := make([]byte, 4*d[0]*d[1])
		b.Run(fmt.Sprintf("1920x1080-%dx%d", d[0], d[1]), func(b *testing.B) {
			for b.Loop() {
				_ = ResizeBilinear(dst, d[0], d[1], src, 1920, 1080)
			}
		})
	}
}
