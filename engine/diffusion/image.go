package diffusion

import (
	"image"

	"golang.org/x/image/draw"
)

// fitSquare returns img scaled to size×size (bilinear), or img itself when it already is.
// dst is reused when it has the right size.
func fitSquare(img *image.RGBA, size int, dst *image.RGBA) *image.RGBA {
	b := img.Bounds()
	if b.Dx() == size && b.Dy() == size {
		return img
	}
	if dst == nil || dst.Bounds().Dx() != size || dst.Bounds().Dy() != size {
		dst = image.NewRGBA(image.Rect(0, 0, size, size))
	}
	draw.ApproxBiLinear.Scale(dst, dst.Bounds(), img, b, draw.Src, nil)
	return dst
}

// toCHW writes img (size×size) as planar RGB in [-1, 1] into t ([1,3,S,S]); scratch
// holds one plane row for fp16 conversion.
func toCHW(img *image.RGBA, t *Tensor, scratch []float32) {
	b := img.Bounds()
	w, h := b.Dx(), b.Dy()
	plane := w * h
	const k = 2.0 / 255
	if t.Elem == Float32 {
		r, g, bl := t.F32[:plane], t.F32[plane:2*plane], t.F32[2*plane:3*plane]
		for y := range h {
			row := img.Pix[y*img.Stride : y*img.Stride+4*w]
			o := y * w
			for x := range w {
				p := row[4*x : 4*x+3 : 4*x+3]
				r[o+x] = float32(p[0])*k - 1
				g[o+x] = float32(p[1])*k - 1
				bl[o+x] = float32(p[2])*k - 1
			}
		}
		return
	}
	for c := range 3 {
		for y := range h {
			row := img.Pix[y*img.Stride : y*img.Stride+4*w]
			line := scratch[:w]
			for x := range w {
				line[x] = float32(row[4*x+c])*k - 1
			}
			t.SetFloats(c*plane+y*w, line)
		}
	}
}

// fromCHW converts planar RGB in [-1, 1] (clamped) to an opaque RGBA image.
func fromCHW(t *Tensor, dst *image.RGBA, scratch []float32) {
	b := dst.Bounds()
	w, h := b.Dx(), b.Dy()
	plane := w * h
	if t.Elem == Float32 {
		r, g, bl := t.F32[:plane], t.F32[plane:2*plane], t.F32[2*plane:3*plane]
		for y := range h {
			row := dst.Pix[y*dst.Stride : y*dst.Stride+4*w]
			o := y * w
			rr, gg, bb := r[o:o+w], g[o:o+w], bl[o:o+w]
			for x := range w {
				p := row[4*x : 4*x+4 : 4*x+4]
				p[0], p[1], p[2], p[3] = toByte(rr[x]), toByte(gg[x]), toByte(bb[x]), 255
			}
		}
		return
	}
	for c := range 3 {
		for y := range h {
			line := scratch[:w]
			t.Floats(c*plane+y*w, line)
			row := dst.Pix[y*dst.Stride : y*dst.Stride+4*w]
			for x, v := range line {
				row[4*x+c] = toByte(v)
			}
		}
	}
	for y := range h {
		row := dst.Pix[y*dst.Stride : y*dst.Stride+4*w]
		for x := range w {
			row[4*x+3] = 255
		}
	}
}

// toByte maps [-1, 1] to 0..255, rounding and clamping (NaN becomes 0).
func toByte(v float32) uint8 {
	u := (v+1)*127.5 + 0.5
	if !(u > 0) {
		return 0
	}
	if u >= 255 {
		return 255
	}
	return uint8(u)
}
