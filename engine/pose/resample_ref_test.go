package pose

import (
	"image"
	"math"
	"math/rand/v2"
	"testing"
)

// refTap and the ref* functions are the original straightforward resampler,
// kept as the reference the optimized one must match bit for bit.
type refTap struct {
	lo, hi int
	frac   float32
	out    bool
}

func refCropAxis(v0, v1 float64, in, out int) []refTap {
	taps := make([]refTap, out)
	a, b, last := float32(v0), float32(v1), float32(in-1)
	var scale float32
	if out > 1 {
		scale = (b - a) * last / float32(out-1)
	}
	for i := range taps {
		f := 0.5 * (a + b) * last
		if out > 1 {
			f = a*last + float32(i)*scale
		}
		if f < 0 || f > last {
			taps[i].out = true
			continue
		}
		lo := float32(math.Floor(float64(f)))
		taps[i] = refTap{lo: int(lo), hi: int(math.Ceil(float64(f))), frac: f - lo}
	}
	return taps
}

func refResizeAxis(in, resized, padded int) []refTap {
	taps := make([]refTap, padded)
	ratio := float32(in) / float32(resized)
	for i := range taps {
		if i >= resized {
			taps[i].out = true
			continue
		}
		f := ratio * float32(i)
		lo := float32(math.Floor(float64(f)))
		taps[i] = refTap{lo: int(lo), hi: min(in-1, int(math.Ceil(float64(f)))), frac: f - lo}
	}
	return taps
}

func refResample(img *image.RGBA, ys, xs []refTap, outW int, dst []int32) {
	p, stride := img.Pix, img.Stride
	base := img.PixOffset(img.Rect.Min.X, img.Rect.Min.Y)
	for y, ty := range ys {
		row := dst[y*outW*3 : (y+1)*outW*3]
		if ty.out {
			clear(row)
			continue
		}
		top := p[base+ty.lo*stride:]
		bot := p[base+ty.hi*stride:]
		yl := ty.frac
		for x, tx := range xs {
			o := row[x*3 : x*3+3 : x*3+3]
			if tx.out {
				o[0], o[1], o[2] = 0, 0, 0
				continue
			}
			l, r, xl := tx.lo*4, tx.hi*4, tx.frac
			for c := 0; c < 3; c++ {
				tl, tr := float32(top[l+c]), float32(top[r+c])
				bl, br := float32(bot[l+c]), float32(bot[r+c])
				t := tl + (tr-tl)*xl
				b := bl + (br-bl)*xl
				o[c] = int32(t + (b-t)*yl)
			}
		}
	}
}

// TestResampleMatchesReference compares CropAndResize and ResizePad with the
// reference on random boxes (inside, overlapping and outside the image), on a
// sub-image, and with a dirty destination buffer.
func TestResampleMatchesReference(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	full := noise(643, 481)
	sub := full.SubImage(image.Rect(3, 1, 643, 481)).(*image.RGBA)
	for _, img := range []*image.RGBA{full, sub, noise(1, 1), noise(2, 7)} {
		iw, ih := img.Rect.Dx(), img.Rect.Dy()
		boxes := []Box{InitCropRegion(true, iw, ih), InitCropRegion(false, iw, ih), {0, 0, 1, 1}, {0.3, 0.3, 0.3, 0.3}, {0.8, 0.9, 0.1, 0.2}}
		for range 15 {
			y0, x0 := rng.Float64()*1.6-0.3, rng.Float64()*1.6-0.3
			s := rng.Float64() * 1.2
			boxes = append(boxes, Box{y0, x0, y0 + s, x0 + s*(0.5+rng.Float64())})
		}
		for bi, b := range boxes {
			sides := []int{1, 3, 37}
			if bi < 8 {
				sides = append(sides, 192)
			}
			for _, side := range sides {
				want := make([]int32, side*side*3)
				refResample(img, refCropAxis(b.YMin, b.YMax, ih, side), refCropAxis(b.XMin, b.XMax, iw, side), side, want)
				got := make([]int32, side*side*3)
				for i := range got {
					got[i] = -7
				}
				CropAndResize(img, b, side, side, got)
				for i := range want {
					if got[i] != want[i] {
						t.Fatalf("%v box %+v side %d: value %d = %d; want %d", img.Rect, b, side, i, got[i], want[i])
					}
				}
			}
		}
		for _, r := range [][4]int{{192, 256, 192, 256}, {144, 256, 160, 256}, {256, 192, 256, 224}, {1, 1, 32, 32}, {5, 700, 32, 704}} {
			rh, rw, ph, pw := r[0], r[1], r[2], r[3]
			want := make([]int32, ph*pw*3)
			refResample(img, refResizeAxis(ih, rh, ph), refResizeAxis(iw, rw, pw), pw, want)
			got := make([]int32, ph*pw*3)
			for i := range got {
				got[i] = -7
			}
			ResizePad(img, rh, rw, ph, pw, got)
			for i := range want {
				if got[i] != want[i] {
					t.Fatalf("%v resize %v: value %d = %d; want %d", img.Rect, r, i, got[i], want[i])
				}
			}
		}
	}
}
