package segment

import (
	"image"
	"image/color"
)

// Background modes (engine.Params.SegmentMode).
const (
	ModeColor       = 0 // background replaced by a colour
	ModeBlur        = 1 // background replaced by a blurred copy of the frame
	ModeTransparent = 2 // background alpha 0 (premultiplied RGBA)
	ModeStream      = 3 // background from another stream (the latest diffusion picture), scaled to the frame
)

// Alpha turns mask values into matte alpha: smoothstep from threshold−feather to
// threshold+feather; feather 0 is a hard step (alpha 1 where mask ≥ threshold).
func Alpha(dst, mask []float32, threshold, feather float32) {
	lo, hi := threshold-feather, threshold+feather
	for i, m := range mask {
		switch {
		case feather <= 0:
			dst[i] = 0
			if m >= threshold {
				dst[i] = 1
			}
		case m <= lo:
			dst[i] = 0
		case m >= hi:
			dst[i] = 1
		default:
			t := (m - lo) / (hi - lo)
			dst[i] = t * t * (3 - 2*t)
		}
	}
}

// Summary describes a mask: Found when any pixel reaches threshold, Box the normalized
// bounds (x0, y0, x1, y1) of those pixels, Coverage the mean alpha.
type Summary struct {
	Found    bool
	Box      [4]float32
	Coverage float32
}

// Summarize computes the Summary of a w×h mask and its alpha.
func Summarize(mask, alpha []float32, w, h int, threshold float32) Summary {
	x0, y0, x1, y1 := w, h, -1, -1
	var sum float64
	for y := range h {
		for x := range w {
			i := y*w + x
			sum += float64(alpha[i])
			if mask[i] >= threshold {
				x0, y0, x1, y1 = min(x0, x), min(y0, y), max(x1, x), max(y1, y)
			}
		}
	}
	s := Summary{Coverage: float32(sum / float64(max(w*h, 1)))}
	if x1 >= 0 {
		s.Found = true
		s.Box = [4]float32{float32(x0) / float32(w), float32(y0) / float32(h), float32(x1+1) / float32(w), float32(y1+1) / float32(h)}
	}
	return s
}

// MaskImage renders alpha as an opaque grayscale RGBA frame (value round(alpha·255)).
func MaskImage(alpha []float32, w, h int) *image.RGBA {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for i, a := range alpha {
		v := uint8(a*255 + 0.5)
		img.Pix[4*i], img.Pix[4*i+1], img.Pix[4*i+2], img.Pix[4*i+3] = v, v, v, 255
	}
	return img
}

// Composite returns src over a background chosen by mode, weighted by alpha. ModeStream uses
// other (nearest-neighbour scaled to src's size); without it the colour is used.
func Composite(src *image.RGBA, alpha []float32, mode int, bg color.RGBA, blurRadius int, other *image.RGBA) *image.RGBA {
	w, h := src.Rect.Dx(), src.Rect.Dy()
	out := image.NewRGBA(image.Rect(0, 0, w, h))
	var back []uint8
	switch {
	case mode == ModeBlur:
		back = BoxBlur(src, blurRadius).Pix
	case mode == ModeStream && other != nil:
		back, mode = scaleNearest(other, w, h).Pix, ModeBlur // a ready background, like the blur's
	case mode == ModeStream:
		mode = ModeColor
	}
	for y := range h {
		row := src.Pix[y*src.Stride:]
		for x := range w {
			i := y*w + x
			a := alpha[i]
			for c := range 3 {
				fg := float32(row[4*x+c])
				var b float32
				switch mode {
				case ModeBlur:
					b = float32(back[4*i+c])
				case ModeColor:
					b = float32([3]uint8{bg.R, bg.G, bg.B}[c])
				}
				out.Pix[4*i+c] = uint8(a*fg + (1-a)*b + 0.5)
			}
			out.Pix[4*i+3] = 255
			if mode == ModeTransparent {
				out.Pix[4*i+3] = uint8(a*255 + 0.5)
			}
		}
	}
	return out
}

// scaleNearest resizes img to w×h by nearest neighbour (pixel centres).
func scaleNearest(img *image.RGBA, w, h int) *image.RGBA {
	out := image.NewRGBA(image.Rect(0, 0, w, h))
	sw, sh := img.Rect.Dx(), img.Rect.Dy()
	for y := range h {
		sy := min((2*y+1)*sh/(2*h), sh-1)
		for x := range w {
			sx := min((2*x+1)*sw/(2*w), sw-1)
			copy(out.Pix[4*(y*w+x):4*(y*w+x)+4], img.Pix[sy*img.Stride+4*sx:])
		}
	}
	return out
}

// BoxBlur blurs img with three passes of a (2r+1)-wide box filter per axis (≈ Gaussian),
// clamping at the edges.
func BoxBlur(img *image.RGBA, r int) *image.RGBA {
	w, h := img.Rect.Dx(), img.Rect.Dy()
	a := make([]float32, w*h*3)
	for y := range h {
		for x := range w {
			for c := range 3 {
				a[(y*w+x)*3+c] = float32(img.Pix[y*img.Stride+4*x+c])
			}
		}
	}
	if r > 0 {
		b := make([]float32, len(a))
		for range 3 {
			boxPass(b, a, w, h, r, 1, w) // horizontal
			boxPass(a, b, h, w, r, w, 1) // vertical
		}
	}
	out := image.NewRGBA(image.Rect(0, 0, w, h))
	for i := range w * h {
		for c := range 3 {
			out.Pix[4*i+c] = uint8(a[3*i+c] + 0.5)
		}
		out.Pix[4*i+3] = 255
	}
	return out
}

// boxPass averages src along one axis into dst: n samples per line (step apart), lines
// lineStep apart, m lines; a running sum keeps it O(1) per pixel.
func boxPass(dst, src []float32, n, m, r, step, lineStep int) {
	norm := 1 / float32(2*r+1)
	for l := range m {
		base := l * lineStep
		for c := range 3 {
			at := func(k int) float32 { return src[(base+min(max(k, 0), n-1)*step)*3+c] }
			var s float32
			for k := -r; k <= r; k++ {
				s += at(k)
			}
			for k := range n {
				dst[(base+k*step)*3+c] = s * norm
				s += at(k+r+1) - at(k-r)
			}
		}
	}
}
