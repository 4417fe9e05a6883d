package convert

import (
	"bytes"
	"testing"
)

// gray builds a w×h RGBA image whose channels all equal v(x, y).
func gray(w, h int, v func(x, y int) byte) []byte {
	img := make([]byte, 4*w*h)
	for y := range h {
		for x := range w {
			p := v(x, y)
			copy(img[4*(y*w+x):], []byte{p, p, p, p})
		}
	}
	return img
}

// channel0 returns the first channel of every pixel.
func channel0(img []byte) []byte {
	out := make([]byte, len(img)/4)
	for i := range out {
		out[i] = img[4*i]
	}
	return out
}

func TestResizeBilinear(t *testing.T) {
	row := func(vals ...byte) func(x, y int) byte { return func(x, _ int) byte { return vals[x] } }
	tests := []struct {
		name   string
		sw, sh int
		src    func(x, y int) byte
		dw, dh int
		want   []byte
	}{
		// TF ResizeBilinear(half_pixel_centers=true) / ONNX Resize(linear, half_pixel) values.
		{"upscale 2 to 4", 2, 1, row(0, 100), 4, 1, []byte{0, 25, 75, 100}},
		{"downscale 4 to 2", 4, 1, row(0, 10, 20, 31), 2, 1, []byte{5, 26}},
		{"3 to 2", 3, 1, row(0, 90, 180), 2, 1, []byte{23, 158}},
		{"to 1x1", 3, 3, func(x, y int) byte { return byte(10 * (3*y + x)) }, 1, 1, []byte{40}},
		{"upscale 2d", 2, 2, func(x, y int) byte { return []byte{0, 100, 200, 255}[2*y+x] }, 4, 4, []byte{
			0, 25, 75, 100,
			50, 72, 117, 139,
			150, 167, 200, 216,
			200, 214, 241, 255}},
		{"identity", 3, 2, func(x, y int) byte { return byte(x*50 + y*7) }, 3, 2, []byte{0, 50, 100, 7, 57, 107}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dst := make([]byte, 4*tt.dw*tt.dh)
			if err := ResizeBilinear(dst, tt.dw, tt.dh, gray(tt.sw, tt.sh, tt.src), tt.sw, tt.sh); err != nil {
				t.Fatal(err)
			}
			if got := channel0(dst); !bytes.Equal(got, tt.want) {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}
}

func TestHalfPixel(t *testing.T) {
	tests := []struct {
		i, n   int
		scale  float32
		lo, hi int
		w      float32
	}{
		{0, 2, 0.5, 0, 0, 0.75}, {1, 2, 0.5, 0, 1, 0.25}, {3, 2, 0.5, 1, 1, 0.25},
		{0, 4, 2, 0, 1, 0.5}, {0, 1080, 1080.0 / 192, 2, 3, 0.3125},
	}
	for _, tt := range tests {
		lo, hi, w := HalfPixel(tt.i, tt.scale, tt.n)
		if lo != tt.lo || hi != tt.hi || w != tt.w {
			t.Errorf("HalfPixel(%d, %v, %d) = %d, %d, %v; want %d, %d, %v", tt.i, tt.scale, tt.n, lo, hi, w, tt.lo, tt.hi, tt.w)
		}
	}
}

// FuzzResizeBilinear checks the invariants of any resize: every output channel lies
// between the smallest and largest input value of that channel, and a resize to
// the same size is the identity.
func FuzzResizeBilinear(f *testing.F) {
	f.Add(uint8(3), uint8(2), uint8(5), uint8(7), []byte{1, 2, 3, 250, 9, 200, 0, 77})
	f.Add(uint8(1), uint8(1), uint8(1), uint8(1), []byte{42})
	f.Add(uint8(17), uint8(9), uint8(4), uint8(3), []byte{0, 255})
	f.Fuzz(func(t *testing.T, sw, sh, dw, dh uint8, seed []byte) {
		if sw == 0 || sh == 0 || dw == 0 || dh == 0 || len(seed) == 0 {
			return
		}
		src := make([]byte, 4*int(sw)*int(sh))
		for i := range src {
			src[i] = seed[i%len(seed)] ^ byte(i*31)
		}
		dst := make([]byte, 4*int(dw)*int(dh))
		if err := ResizeBilinear(dst, int(dw), int(dh), src, int(sw), int(sh)); err != nil {
			t.Fatal(err)
		}
		for c := range 4 {
			lo, hi := byte(255), byte(0)
			for i := c; i < len(src); i += 4 {
				lo, hi = min(lo, src[i]), max(hi, src[i])
			}
			for i := c; i < len(dst); i += 4 {
				if dst[i] < lo || dst[i] > hi {
					t.Fatalf("channel %d value %d outside [%d, %d]", c, dst[i], lo, hi)
				}
			}
		}
		same := make([]byte, len(src))
		if err := ResizeBilinear(same, int(sw), int(sh), src, int(sw), int(sh)); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(same, src) {
			t.Fatalf("identity resize changed the image")
		}
	})
}
