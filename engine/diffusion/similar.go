package diffusion

import (
	"image"
	"math"
)

// similarSide is the side of the thumbnail frames are compared on.
const similarSide = 32

// SimilarFilter skips frames that barely changed, as StreamDiffusion's similar image
// filter: cosine similarity of the (downscaled, centred) input with the last processed
// input; at or above Threshold the frame is skipped, but never more than MaxSkip in a row.
// Unlike StreamDiffusion's probabilistic skip it is deterministic. Not safe for concurrent use.
type SimilarFilter struct {
	Threshold float64 // 0 < Threshold ≤ 1; 0 disables the filter
	MaxSkip   int     // consecutive skips before a frame is forced through; ≤ 0 means 10

	last    []float32
	cur     []float32
	skipped int
}

// Skip reports whether img should reuse the last output. When it returns false the
// frame becomes the new reference.
func (f *SimilarFilter) Skip(img *image.RGBA) bool {
	if f.Threshold <= 0 {
		return false
	}
	if f.cur == nil {
		f.cur = make([]float32, 3*similarSide*similarSide)
	}
	thumb(img, f.cur)
	maxSkip := f.MaxSkip
	if maxSkip <= 0 {
		maxSkip = 10
	}
	if f.last != nil && f.skipped < maxSkip && cosine(f.cur, f.last) >= f.Threshold {
		f.skipped++
		return true
	}
	f.skipped = 0
	f.last, f.cur = f.cur, f.last
	return false
}

// thumb samples img on a similarSide² grid (nearest pixel), RGB centred to [-1, 1].
func thumb(img *image.RGBA, dst []float32) {
	b := img.Bounds()
	w, h := b.Dx(), b.Dy()
	for y := range similarSide {
		sy := (2*y + 1) * h / (2 * similarSide)
		for x := range similarSide {
			sx := (2*x + 1) * w / (2 * similarSide)
			p := img.Pix[sy*img.Stride+4*sx:]
			o := 3 * (y*similarSide + x)
			dst[o] = float32(p[0])/127.5 - 1
			dst[o+1] = float32(p[1])/127.5 - 1
			dst[o+2] = float32(p[2])/127.5 - 1
		}
	}
}

func cosine(a, b []float32) float64 {
	var dot, na, nb float64
	for i := range a {
		dot += float64(a[i]) * float64(b[i])
		na += float64(a[i]) * float64(a[i])
		nb += float64(b[i]) * float64(b[i])
	}
	if na == 0 && nb == 0 {
		return 1
	}
	if na == 0 || nb == 0 {
		return 0
	}
	return dot / math.Sqrt(na*nb)
}
