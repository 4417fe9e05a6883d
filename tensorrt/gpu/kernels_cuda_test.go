//go:build cuda

package gpu

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/vivid-ml/vivid-ml-engine/engine/convert"
)

// Tolerances from issue 8: float32 1e-5 relative, float16 1e-3 relative. Bytes
// and int32 must be equal. Every comparison also counts bit-exact elements.
const (
	tol32 = 1e-5
	tol16 = 1e-3
)

// closeRel reports whether got is within tol of want, relative to |want| (absolute below 1).
func closeRel(got, want float32, tol float64) bool {
	if math.IsNaN(float64(want)) {
		return math.IsNaN(float64(got))
	}
	return math.Abs(float64(got)-float64(want)) <= tol*math.Max(1e-3, math.Abs(float64(want)))
}

// compareFloat checks every element and logs how many were bit-exact.
func compareFloat(t *testing.T, got, want []float32, tol float64) {
	t.Helper()
	exact, bad := 0, 0
	for i := range want {
		if math.Float32bits(got[i]) == math.Float32bits(want[i]) {
			exact++
		}
		if !closeRel(got[i], want[i], tol) {
			if bad < 5 {
				t.Errorf("[%d] gpu %v, cpu %v", i, got[i], want[i])
			}
			bad++
		}
	}
	if bad > 0 {
		t.Errorf("%d of %d elements outside tolerance %g", bad, len(want), tol)
	}
	t.Logf("%d elements, %d bit-exact", len(want), exact)
}

// compareExact checks two slices element by element.
func compareExact[T comparable](t *testing.T, got, want []T) {
	t.Helper()
	bad := 0
	for i := range want {
		if got[i] != want[i] {
			if bad < 5 {
				t.Errorf("[%d] gpu %v, cpu %v", i, got[i], want[i])
			}
			bad++
		}
	}
	if bad > 0 {
		t.Errorf("%d of %d elements differ", bad, len(want))
	}
}

func half32(h []uint16) []float32 {
	f := make([]float32, len(h))
	for i, v := range h {
		f[i] = convert.Float32From16(v)
	}
	return f
}

func TestRGBAToTensors(t *testing.T) {
	for n, s := range sizes {
		w, h := s[0], s[1]
		src := randomRGBA(w, h, uint64(n))
		in := upload(t, src)
		t.Run(fmt.Sprintf("nchw32/%dx%d", w, h), func(t *testing.T) {
			want := make([]float32, 3*w*h)
			if err := convert.RGBAToNCHW32(want, src, w, h); err != nil {
				t.Fatal(err)
			}
			out := alloc(t, 4*int64(len(want)))
			if err := dev.RGBAToNCHW32(out, in, w, h); err != nil {
				t.Fatal(err)
			}
			compareFloat(t, download[float32](t, out, len(want)), want, tol32)
		})
		t.Run(fmt.Sprintf("nchw16/%dx%d", w, h), func(t *testing.T) {
			want := make([]uint16, 3*w*h)
			if err := convert.RGBAToNCHW16(want, src, w, h); err != nil {
				t.Fatal(err)
			}
			out := alloc(t, 2*int64(len(want)))
			if err := dev.RGBAToNCHW16(out, in, w, h); err != nil {
				t.Fatal(err)
			}
			compareFloat(t, half32(download[uint16](t, out, len(want))), half32(want), tol16)
		})
		t.Run(fmt.Sprintf("nhwc/%dx%d", w, h), func(t *testing.T) {
			want := make([]int32, 3*w*h)
			if err := convert.RGBAToNHWCInt32(want, src, w, h); err != nil {
				t.Fatal(err)
			}
			out := alloc(t, 4*int64(len(want)))
			if err := dev.RGBAToNHWCInt32(out, in, w, h); err != nil {
				t.Fatal(err)
			}
			compareExact(t, download[int32](t, out, len(want)), want)
		})
	}
}

// randomTensor returns 3·w·h float32 values mostly in [-1.2, 1.2], with a few
// far outside the range, infinities and NaN to exercise the clamp.
func randomTensor(n int, seed uint64) []float32 {
	r := rand.New(rand.NewPCG(seed, 11))
	v := make([]float32, n)
	special := []float32{float32(math.NaN()), float32(math.Inf(1)), float32(math.Inf(-1)), 7, -7, 1, -1, 0}
	for i := range v {
		if i < len(special) {
			v[i] = special[i]
			continue
		}
		v[i] = r.Float32()*2.4 - 1.2
	}
	return v
}

func TestTensorsToRGBA(t *testing.T) {
	for n, s := range sizes {
		w, h := s[0], s[1]
		src := randomTensor(3*w*h, uint64(n))
		t.Run(fmt.Sprintf("f32/%dx%d", w, h), func(t *testing.T) {
			want := make([]byte, 4*w*h)
			if err := convert.NCHW32ToRGBA(want, src, w, h); err != nil {
				t.Fatal(err)
			}
			out := alloc(t, int64(len(want)))
			if err := dev.NCHW32ToRGBA(out, upload(t, src), w, h); err != nil {
				t.Fatal(err)
			}
			compareExact(t, download[byte](t, out, len(want)), want)
		})
		t.Run(fmt.Sprintf("f16/%dx%d", w, h), func(t *testing.T) {
			src16 := make([]uint16, len(src))
			for i, v := range src {
				src16[i] = convert.Float16(v)
			}
			want := make([]byte, 4*w*h)
			if err := convert.NCHW16ToRGBA(want, src16, w, h); err != nil {
				t.Fatal(err)
			}
			out := alloc(t, int64(len(want)))
			if err := dev.NCHW16ToRGBA(out, upload(t, src16), w, h); err != nil {
				t.Fatal(err)
			}
			compareExact(t, download[byte](t, out, len(want)), want)
		})
	}
}

// resizes are source → destination sizes for the resize checks: MoveNet and SDXL
// inputs from 1080p, up- and downscales by odd factors, identity, 1×1 both ways.
var resizes = [][4]int{
	{1920, 1080, 192, 192}, {1920, 1080, 512, 512}, {1920, 1080, 256, 256}, {640, 480, 1024, 1024},
	{7, 5, 13, 11}, {100, 37, 1, 1}, {1, 1, 5, 3}, {33, 33, 33, 33}, {513, 511, 127, 129},
}

func TestResizeBilinear(t *testing.T) {
	for n, r := range resizes {
		sw, sh, dw, dh := r[0], r[1], r[2], r[3]
		t.Run(fmt.Sprintf("%dx%d-%dx%d", sw, sh, dw, dh), func(t *testing.T) {
			src := randomRGBA(sw, sh, uint64(100+n))
			want := make([]byte, 4*dw*dh)
			if err := convert.ResizeBilinear(want, dw, dh, src, sw, sh); err != nil {
				t.Fatal(err)
			}
			out := alloc(t, int64(len(want)))
			if err := dev.ResizeBilinear(out, dw, dh, upload(t, src), sw, sh); err != nil {
				t.Fatal(err)
			}
			compareExact(t, download[byte](t, out, len(want)), want)
		})
	}
}

// TestHostConversions checks the pipeline's host-to-host path (resize + convert)
// against the CPU reference doing the same two steps.
func TestHostConversions(t *testing.T) {
	for n, r := range resizes {
		sw, sh, dw, dh := r[0], r[1], r[2], r[3]
		src := randomRGBA(sw, sh, uint64(200+n))
		resized := make([]byte, 4*dw*dh)
		if err := convert.ResizeBilinear(resized, dw, dh, src, sw, sh); err != nil {
			t.Fatal(err)
		}
		t.Run(fmt.Sprintf("%dx%d-%dx%d", sw, sh, dw, dh), func(t *testing.T) {
			want32 := make([]float32, 3*dw*dh)
			got32 := make([]float32, len(want32))
			_ = convert.RGBAToNCHW32(want32, resized, dw, dh)
			if err := dev.ImageToNCHW32(got32, src, sw, sh, dw, dh); err != nil {
				t.Fatal(err)
			}
			compareFloat(t, got32, want32, tol32)

			want16 := make([]uint16, 3*dw*dh)
			got16 := make([]uint16, len(want16))
			_ = convert.RGBAToNCHW16(want16, resized, dw, dh)
			if err := dev.ImageToNCHW16(got16, src, sw, sh, dw, dh); err != nil {
				t.Fatal(err)
			}
			compareFloat(t, half32(got16), half32(want16), tol16)

			wantI := make([]int32, 3*dw*dh)
			gotI := make([]int32, len(wantI))
			_ = convert.RGBAToNHWCInt32(wantI, resized, dw, dh)
			if err := dev.ImageToNHWCInt32(gotI, src, sw, sh, dw, dh); err != nil {
				t.Fatal(err)
			}
			compareExact(t, gotI, wantI)

			back, gotBack := make([]byte, 4*dw*dh), make([]byte, 4*dw*dh)
			_ = convert.NCHW32ToRGBA(back, want32, dw, dh)
			if err := dev.NCHW32ToImage(gotBack, want32, dw, dh); err != nil {
				t.Fatal(err)
			}
			compareExact(t, gotBack, back)
			_ = convert.NCHW16ToRGBA(back, want16, dw, dh)
			if err := dev.NCHW16ToImage(gotBack, want16, dw, dh); err != nil {
				t.Fatal(err)
			}
			compareExact(t, gotBack, back)
		})
	}
}

func TestLatentOps(t *testing.T) {
	// SDXL latents: 4×64×64 at 512², 4×128×128 at 1024²; odd counts for the tail block.
	for _, n := range []int{1, 255, 257, 4 * 64 * 64, 4 * 128 * 128, 100003} {
		r := rand.New(rand.NewPCG(uint64(n), 3))
		x, noise := make([]float32, n), make([]float32, n)
		for i := range x {
			x[i], noise[i] = float32(r.NormFloat64()), float32(r.NormFloat64())
		}
		const sigma, vaeScale = float32(14.6146), float32(0.13025)
		t.Run(fmt.Sprintf("add-noise/%d", n), func(t *testing.T) {
			want := make([]float32, n)
			_ = convert.AddScaled(want, 1, x, sigma, noise)
			bx := upload(t, x)
			if err := dev.AddScaled(bx, 1, bx, sigma, upload(t, noise), n); err != nil { // in place
				t.Fatal(err)
			}
			compareFloat(t, download[float32](t, bx, n), want, tol32)
		})
		t.Run(fmt.Sprintf("euler-step/%d", n), func(t *testing.T) {
			want := make([]float32, n)
			_ = convert.AddScaled(want, 1, x, 4.0817-14.6146, noise)
			out := alloc(t, 4*int64(n))
			if err := dev.AddScaled(out, 1, upload(t, x), 4.0817-14.6146, upload(t, noise), n); err != nil {
				t.Fatal(err)
			}
			compareFloat(t, download[float32](t, out, n), want, tol32)
		})
		t.Run(fmt.Sprintf("scale/%d", n), func(t *testing.T) {
			want := make([]float32, n)
			_ = convert.Scale(want, vaeScale, x)
			bx := upload(t, x)
			if err := dev.Scale(bx, vaeScale, bx, n); err != nil {
				t.Fatal(err)
			}
			compareFloat(t, download[float32](t, bx, n), want, tol32)
		})
	}
}
