package diffusion

import (
	"image"
	"runtime"
	"sync"

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

// byteToUnit maps a byte to [-1, 1].
var byteToUnit = func() (t [256]float32) {
	for i := range t {
		t[i] = float32(i)*(2.0/255) - 1
	}
	return t
}()

// parallelRows runs fn over [0,h) split into row bands, one goroutine per band: the
// conversions around the models are the engine's own per-frame cost.
func parallelRows(h int, fn func(y0, y1 int)) {
	k := min(runtime.GOMAXPROCS(0), 8, max(h/32, 1))
	if k <= 1 {
		fn(0, h)
		return
	}
	var wg sync.WaitGroup
	for i := range k {
		y0, y1 := i*h/k, (i+1)*h/k
		wg.Go(func() { fn(y0, y1) })
	}
	wg.Wait()
}

// toCHW writes img (size×size) as planar RGB in [-1, 1] into t ([1,3,S,S]).
func toCHW(img *image.RGBA, t *Tensor) {
	b := img.Bounds()
	w, h := b.Dx(), b.Dy()
	plane := w * h
	parallelRows(h, func(y0, y1 int) {
		var line [3][]float32
		if t.Elem != Float32 {
			line = [3][]float32{make([]float32, w), make([]float32, w), make([]float32, w)}
		}
		for y := y0; y < y1; y++ {
			row := img.Pix[y*img.Stride : y*img.Stride+4*w]
			o := y * w
			rr, gg, bb := line[0], line[1], line[2]
			if t.Elem == Float32 {
				rr, gg, bb = t.F32[o:o+w], t.F32[plane+o:plane+o+w], t.F32[2*plane+o:2*plane+o+w]
			}
			for x := range rr {
				p := row[4*x : 4*x+3 : 4*x+3]
				rr[x], gg[x], bb[x] = byteToUnit[p[0]], byteToUnit[p[1]], byteToUnit[p[2]]
			}
			if t.Elem != Float32 {
				t.SetFloats(o, rr)
				t.SetFloats(plane+o, gg)
				t.SetFloats(2*plane+o, bb)
			}
		}
	})
}

// fromCHW converts planar RGB in [-1, 1] (clamped) to an opaque RGBA image.
func fromCHW(t *Tensor, dst *image.RGBA) {
	b := dst.Bounds()
	w, h := b.Dx(), b.Dy()
	plane := w * h
	parallelRows(h, func(y0, y1 int) {
		var line [3][]float32
		if t.Elem != Float32 {
			line = [3][]float32{make([]float32, w), make([]float32, w), make([]float32, w)}
		}
		for y := y0; y < y1; y++ {
			row := dst.Pix[y*dst.Stride : y*dst.Stride+4*w]
			o := y * w
			rr, gg, bb := line[0], line[1], line[2]
			if t.Elem == Float32 {
				rr, gg, bb = t.F32[o:o+w], t.F32[plane+o:plane+o+w], t.F32[2*plane+o:2*plane+o+w]
			} else {
				t.Floats(o, rr)
				t.Floats(plane+o, gg)
				t.Floats(2*plane+o, bb)
			}
			for x := range rr {
				p := row[4*x : 4*x+4 : 4*x+4]
				p[0], p[1], p[2], p[3] = toByte(rr[x]), toByte(gg[x]), toByte(bb[x]), 255
			}
		}
	})
}

// toByte maps [-1, 1] to 0..255, rounding and clamping.
func toByte(v float32) uint8 {
	return uint8(min(max((v+1)*127.5+0.5, 0), 255))
}
