package diffusion

import (
	"image"
	"runtime"
	"sync"

	"golang.org/x/image/draw"

	"github.com/vivid-ml/vivid-ml-engine/engine/convert"
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

// byteToUnit maps a byte to [-1, 1] in float32 as diffusers' VaeImageProcessor does
// (numpy x/255, then torch 2·x − 1), so the VAE sees the same bits.
var byteToUnit = func() (t [256]float32) {
	for i := range t {
		u := float32(i) / 255
		t[i] = float32(2*u) - 1
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
		for y := y0; y < y1; y++ {
			row := img.Pix[y*img.Stride : y*img.Stride+4*w]
			o := y * w
			if t.Elem == Float16 {
				rr, gg, bb := t.F16[o:o+w], t.F16[plane+o:plane+o+w], t.F16[2*plane+o:2*plane+o+w]
				for x := range rr {
					p := row[4*x : 4*x+3 : 4*x+3]
					rr[x], gg[x], bb[x] = byteToHalf[p[0]], byteToHalf[p[1]], byteToHalf[p[2]]
				}
				continue
			}
			rr, gg, bb := t.F32[o:o+w], t.F32[plane+o:plane+o+w], t.F32[2*plane+o:2*plane+o+w]
			for x := range rr {
				p := row[4*x : 4*x+3 : 4*x+3]
				rr[x], gg[x], bb[x] = byteToUnit[p[0]], byteToUnit[p[1]], byteToUnit[p[2]]
			}
		}
	})
}

// fromCHW converts planar RGB in [-1, 1] (clamped) to an opaque RGBA image.
func fromCHW(t *Tensor, dst *image.RGBA) {
	b := dst.Bounds()
	w, h := b.Dx(), b.Dy()
	plane := w * h
	var lut *[1 << 16]uint8
	if t.Elem == Float16 {
		lut = halfToByte()
	}
	parallelRows(h, func(y0, y1 int) {
		for y := y0; y < y1; y++ {
			row := dst.Pix[y*dst.Stride : y*dst.Stride+4*w]
			o := y * w
			if lut != nil {
				rr, gg, bb := t.F16[o:o+w], t.F16[plane+o:plane+o+w], t.F16[2*plane+o:2*plane+o+w]
				for x := range rr {
					p := row[4*x : 4*x+4 : 4*x+4]
					p[0], p[1], p[2], p[3] = lut[rr[x]], lut[gg[x]], lut[bb[x]], 255
				}
				continue
			}
			rr, gg, bb := t.F32[o:o+w], t.F32[plane+o:plane+o+w], t.F32[2*plane+o:2*plane+o+w]
			for x := range rr {
				p := row[4*x : 4*x+4 : 4*x+4]
				p[0], p[1], p[2], p[3] = toByte(rr[x]), toByte(gg[x]), toByte(bb[x]), 255
			}
		}
	})
}

// byteToHalf maps a byte to [-1, 1] as float16 bits.
var byteToHalf = func() (t [256]uint16) {
	for i := range t {
		t[i] = convert.Float16(float32(i)*(2.0/255) - 1)
	}
	return t
}()

// halfToByte is toByte for every float16 value (64 KiB, built on first use).
var halfToByte = sync.OnceValue(func() *[1 << 16]uint8 {
	var t [1 << 16]uint8
	for i := range t {
		v := convert.Float32From16(uint16(i))
		if v != v { // NaN
			continue
		}
		t[i] = toByte(v)
	}
	return &t
})

// toByte maps [-1, 1] to 0..255, rounding and clamping.
func toByte(v float32) uint8 {
	return uint8(min(max((v+1)*127.5+0.5, 0), 255))
}
