//go:build cuda

package gpu

import (
	"fmt"
	"testing"

	"github.com/vivid-ml/vivid-ml-engine/engine/convert"
)

// Benchmarks: CPU reference (one core) against the GPU with copies (host frame in,
// host tensor out: what the pipeline pays while ONNX Runtime takes host tensors)
// and the GPU kernel alone (launch + synchronize, data already on the device).

var benchSizes = [][2]int{{512, 512}, {1920, 1080}}

func BenchmarkRGBAToNCHW32(b *testing.B) {
	for _, s := range benchSizes {
		w, h := s[0], s[1]
		src := randomRGBA(w, h, 1)
		dst := make([]float32, 3*w*h)
		name := fmt.Sprintf("%dx%d", w, h)
		b.Run("cpu/"+name, func(b *testing.B) {
			b.SetBytes(int64(len(src)))
			for b.Loop() {
				_ = convert.RGBAToNCHW32(dst, src, w, h)
			}
		})
		b.Run("gpu-copy/"+name, func(b *testing.B) {
			b.SetBytes(int64(len(src)))
			for b.Loop() {
				if err := dev.ImageToNCHW32(dst, src, w, h, w, h); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run("gpu-kernel/"+name, func(b *testing.B) {
			in, out := upload(b, src), alloc(b, 4*int64(len(dst)))
			b.SetBytes(int64(len(src)))
			for b.Loop() {
				if err := dev.RGBAToNCHW32(out, in, w, h); err != nil {
					b.Fatal(err)
				}
				if err := dev.Synchronize(); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkRGBAToNCHW16(b *testing.B) {
	for _, s := range benchSizes {
		w, h := s[0], s[1]
		src := randomRGBA(w, h, 1)
		dst := make([]uint16, 3*w*h)
		name := fmt.Sprintf("%dx%d", w, h)
		b.Run("cpu/"+name, func(b *testing.B) {
			b.SetBytes(int64(len(src)))
			for b.Loop() {
				_ = convert.RGBAToNCHW16(dst, src, w, h)
			}
		})
		b.Run("gpu-copy/"+name, func(b *testing.B) {
			b.SetBytes(int64(len(src)))
			for b.Loop() {
				if err := dev.ImageToNCHW16(dst, src, w, h, w, h); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run("gpu-kernel/"+name, func(b *testing.B) {
			in, out := upload(b, src), alloc(b, 2*int64(len(dst)))
			b.SetBytes(int64(len(src)))
			for b.Loop() {
				if err := dev.RGBAToNCHW16(out, in, w, h); err != nil {
					b.Fatal(err)
				}
				if err := dev.Synchronize(); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkNCHW32ToRGBA(b *testing.B) {
	for _, s := range benchSizes {
		w, h := s[0], s[1]
		src := randomTensor(3*w*h, 1)
		dst := make([]byte, 4*w*h)
		name := fmt.Sprintf("%dx%d", w, h)
		b.Run("cpu/"+name, func(b *testing.B) {
			b.SetBytes(int64(len(dst)))
			for b.Loop() {
				_ = convert.NCHW32ToRGBA(dst, src, w, h)
			}
		})
		b.Run("gpu-copy/"+name, func(b *testing.B) {
			b.SetBytes(int64(len(dst)))
			for b.Loop() {
				if err := dev.NCHW32ToImage(dst, src, w, h); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run("gpu-kernel/"+name, func(b *testing.B) {
			in, out := upload(b, src), alloc(b, int64(len(dst)))
			b.SetBytes(int64(len(dst)))
			for b.Loop() {
				if err := dev.NCHW32ToRGBA(out, in, w, h); err != nil {
					b.Fatal(err)
				}
				if err := dev.Synchronize(); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkFrameToModel is the per-frame input path from a 1080p frame: resize to
// the model size, then convert (SDXL-Turbo 512² float16 NCHW; MoveNet Lightning 192² int32 NHWC).
func BenchmarkFrameToModel(b *testing.B) {
	const sw, sh = 1920, 1080
	src := randomRGBA(sw, sh, 1)
	for _, tc := range []struct {
		name   string
		dw, dh int
		pose   bool
	}{{"sdxl-512-f16", 512, 512, false}, {"movenet-192-i32", 192, 192, true}} {
		resized := make([]byte, 4*tc.dw*tc.dh)
		f16 := make([]uint16, 3*tc.dw*tc.dh)
		i32 := make([]int32, 3*tc.dw*tc.dh)
		b.Run("cpu/"+tc.name, func(b *testing.B) {
			for b.Loop() {
				_ = convert.ResizeBilinear(resized, tc.dw, tc.dh, src, sw, sh)
				if tc.pose {
					_ = convert.RGBAToNHWCInt32(i32, resized, tc.dw, tc.dh)
				} else {
					_ = convert.RGBAToNCHW16(f16, resized, tc.dw, tc.dh)
				}
			}
		})
		b.Run("gpu-copy/"+tc.name, func(b *testing.B) {
			for b.Loop() {
				var err error
				if tc.pose {
					err = dev.ImageToNHWCInt32(i32, src, sw, sh, tc.dw, tc.dh)
				} else {
					err = dev.ImageToNCHW16(f16, src, sw, sh, tc.dw, tc.dh)
				}
				if err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run("gpu-kernel/"+tc.name, func(b *testing.B) {
			in, mid, out := upload(b, src), alloc(b, int64(len(resized))), alloc(b, 4*int64(len(i32)))
			for b.Loop() {
				if err := dev.ResizeBilinear(mid, tc.dw, tc.dh, in, sw, sh); err != nil {
					b.Fatal(err)
				}
				var err error
				if tc.pose {
					err = dev.RGBAToNHWCInt32(out, mid, tc.dw, tc.dh)
				} else {
					err = dev.RGBAToNCHW16(out, mid, tc.dw, tc.dh)
				}
				if err != nil {
					b.Fatal(err)
				}
				if err := dev.Synchronize(); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkAddScaled is the latent noising step at SDXL 512² (4×64×64) and 1024² (4×128×128).
func BenchmarkAddScaled(b *testing.B) {
	for _, n := range []int{4 * 64 * 64, 4 * 128 * 128} {
		x, y := randomTensor(n, 1), randomTensor(n, 2)
		dst := make([]float32, n)
		b.Run(fmt.Sprintf("cpu/%d", n), func(b *testing.B) {
			b.SetBytes(4 * int64(n))
			for b.Loop() {
				_ = convert.AddScaled(dst, 1, x, 14.6146, y)
			}
		})
		b.Run(fmt.Sprintf("gpu-kernel/%d", n), func(b *testing.B) {
			bx, by := upload(b, x), upload(b, y)
			b.SetBytes(4 * int64(n))
			for b.Loop() {
				if err := dev.AddScaled(bx, 1, bx, 14.6146, by, n); err != nil {
					b.Fatal(err)
				}
				if err := dev.Synchronize(); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
