package pose

import (
	"encoding/binary"
	"image"
	"math"
)

// Box is a region in normalized image coordinates (may extend beyond 0..1,
// which reads as zero padding), as in tfjs BoundingBox.
type Box struct {
	YMin, XMin, YMax, XMax float64
}

// Height and Width of the box in normalized units.
func (b Box) Height() float64 { return b.YMax - b.YMin }

// Width of the box in normalized units.
func (b Box) Width() float64 { return b.XMax - b.XMin }

// CropAndResize samples box of img into dst (int32 RGB, outH×outW×3) like
// tf.image.cropAndResize(method bilinear, extrapolationValue 0) followed by a
// cast to int32 (truncation). A full-image box of an image already outH×outW
// copies the pixels unchanged.
func CropAndResize(img *image.RGBA, box Box, outH, outW int, dst []int32) {
	ih, iw := img.Rect.Dy(), img.Rect.Dx()
	ys := cropAxis(box.YMin, box.YMax, ih, outH)
	xs := cropAxis(box.XMin, box.XMax, iw, outW)
	resample(img, ys, xs, outW, dst)
}

// ResizePad resizes img to rh×rw like tf.image.resizeBilinear (alignCorners and
// halfPixelCenters false), pads bottom/right with zeros to ph×pw and writes int32
// RGB into dst (ph×pw×3).
func ResizePad(img *image.RGBA, rh, rw, ph, pw int, dst []int32) {
	ih, iw := img.Rect.Dy(), img.Rect.Dx()
	ys := resizeAxis(ih, rh, ph)
	xs := resizeAxis(iw, rw, pw)
	resample(img, ys, xs, pw, dst)
}

// tap is one output coordinate's two source indices and the weight of the second.
type tap struct {
	lo, hi int
	frac   float32
	out    bool // outside the source: extrapolation (zero)
}

// cropAxis is tfjs cropAndResize's source coordinate per output index, in
// float32 like the WASM kernel (so e.g. the last row of a full-height crop can
// land a hair beyond the image and read as padding, exactly as in tfjs).
func cropAxis(v0, v1 float64, in, out int) []tap {
	taps := make([]tap, out)
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
		taps[i] = tap{lo: int(lo), hi: int(math.Ceil(float64(f))), frac: f - lo}
	}
	return taps
}

// resizeAxis is tfjs resizeBilinear's source coordinate per output index (float32);
// indices from resized to padded are zero padding.
func resizeAxis(in, resized, padded int) []tap {
	taps := make([]tap, padded)
	ratio := float32(in) / float32(resized)
	for i := range taps {
		if i >= resized {
			taps[i].out = true
			continue
		}
		f := ratio * float32(i)
		lo := float32(math.Floor(float64(f)))
		taps[i] = tap{lo: int(lo), hi: min(in-1, int(math.Ceil(float64(f)))), frac: f - lo}
	}
	return taps
}

// u8f converts a byte to float32 by table: a load instead of a conversion.
var u8f = func() (t [256]float32) {
	for i := range t {
		t[i] = float32(i)
	}
	return t
}()

// resample interpolates the RGB of four pixels per output pixel in float32 in
// the order the tfjs kernels use (x first, then y) and truncates to int32.
// Each source pixel is read as one little-endian RGBA word. It runs on the
// caller's goroutine: splitting rows over goroutines showed no gain on a busy
// machine and risks waiting on a descheduled thread.
func resample(img *image.RGBA, ys, xs []tap, outW int, dst []int32) {
	p, stride := img.Pix, img.Stride
	base := img.PixOffset(img.Rect.Min.X, img.Rect.Min.Y)
	rowBytes := img.Rect.Dx() * 4
	for y, ty := range ys {
		row := dst[y*outW*3 : (y+1)*outW*3]
		if ty.out {
			clear(row)
			continue
		}
		top := p[base+ty.lo*stride : base+ty.lo*stride+rowBytes]
		bot := p[base+ty.hi*stride : base+ty.hi*stride+rowBytes]
		yl := ty.frac
		for x := range xs {
			tx := &xs[x]
			o := row[x*3 : x*3+3 : x*3+3]
			if tx.out {
				o[0], o[1], o[2] = 0, 0, 0
				continue
			}
			l, r, xl := tx.lo*4, tx.hi*4, tx.frac
			tl := binary.LittleEndian.Uint32(top[l : l+4 : l+4])
			tr := binary.LittleEndian.Uint32(top[r : r+4 : r+4])
			bl := binary.LittleEndian.Uint32(bot[l : l+4 : l+4])
			br := binary.LittleEndian.Uint32(bot[r : r+4 : r+4])
			o[0] = lerp2(u8f[uint8(tl)], u8f[uint8(tr)], u8f[uint8(bl)], u8f[uint8(br)], xl, yl)
			o[1] = lerp2(u8f[uint8(tl>>8)], u8f[uint8(tr>>8)], u8f[uint8(bl>>8)], u8f[uint8(br>>8)], xl, yl)
			o[2] = lerp2(u8f[uint8(tl>>16)], u8f[uint8(tr>>16)], u8f[uint8(bl>>16)], u8f[uint8(br>>16)], xl, yl)
		}
	}
}

// lerp2 is the bilinear blend of one channel, truncated to int32.
func lerp2(tl, tr, bl, br, xl, yl float32) int32 {
	t := tl + (tr-tl)*xl
	b := bl + (br-bl)*xl
	return int32(t + (b-t)*yl)
}
