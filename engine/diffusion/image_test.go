package diffusion

import (
	"image"
	"math"
	"testing"

	"github.com/vivid-ml/vivid-ml-engine/engine/convert"
)

// TestCHWRoundTrip: image → tensor → image is lossless for fp32 and fp16 tensors.
func TestCHWRoundTrip(t *testing.T) {
	img := image.NewRGBA(image.Rect(0, 0, 40, 40))
	for i := range img.Pix {
		img.Pix[i] = uint8(i * 7)
		if i%4 == 3 {
			img.Pix[i] = 255
		}
	}
	for _, e := range []Elem{Float32, Float16} {
		ts, err := NewTensor(e, 1, 3, 40, 40)
		if err != nil {
			t.Fatal(err)
		}
		toCHW(img, ts)
		back := image.NewRGBA(img.Rect)
		fromCHW(ts, back)
		for i := range img.Pix {
			if img.Pix[i] != back.Pix[i] {
				t.Fatalf("%s: byte %d: %d → %d", e, i, img.Pix[i], back.Pix[i])
			}
		}
	}
}

func TestToByte(t *testing.T) {
	for _, tc := range []struct {
		in   float32
		want uint8
	}{{-2, 0}, {-1, 0}, {0, 128}, {1, 255}, {3, 255}, {float32(math.Inf(-1)), 0}} {
		if got := toByte(tc.in); got != tc.want {
			t.Errorf("toByte(%v) = %d, want %d", tc.in, got, tc.want)
		}
	}
}

func TestHalfRoundTrip(t *testing.T) {
	for h := range 1 << 16 {
		f := convert.Float32From16(uint16(h))
		if f != f {
			continue
		}
		if back := convert.Float16(f); back != uint16(h) {
			t.Fatalf("%#04x → %v → %#04x", h, f, back)
		}
	}
}
