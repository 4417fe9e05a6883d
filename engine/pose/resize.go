package pose

import (
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
	var hs, ws float64
	if outH > 1 {
		hs = box.Height() * float64(ih-1) / float64(outH-1)
	}
	if outW > 1 {
		ws = box.Width() * float64(iw-1) / float64(outW-1)
	}
	for y := 0; y < outH; y++ {
		yi := 0.5 * (box.YMin + box.YMax) * float64(ih-1)
		if outH > 1 {
			yi = box.YMin*float64(ih-1) + float64(y)*hs
		}
		row := dst[y*outW*3 : (y+1)*outW*3]
		if yi < 0 || yi > float64(ih-1) {
			clear(row)
			continue
		}
		top, bot := int(math.Floor(yi)), int(math.Ceil(yi))
		yl := yi - float64(top)
		for x := 0; x < outW; x++ {
			xi := 0.5 * (box.XMin + box.XMax) * float64(iw-1)
			if outW > 1 {
				xi = box.XMin*float64(iw-1) + float64(x)*ws
			}
			o := row[x*3 : x*3+3]
			if xi < 0 || xi > float64(iw-1) {
				o[0], o[1], o[2] = 0, 0, 0
				continue
			}
			left, right := int(math.Floor(xi)), int(math.Ceil(xi))
			bilinear(img, top, bot, left, right, yl, xi-float64(left), o)
		}
	}
}

// ResizePad resizes img to rh×rw like tf.image.resizeBilinear (alignCorners and
// halfPixelCenters false), pads bottom/right with zeros to ph×pw and writes int32
// RGB into dst (ph×pw×3).
func ResizePad(img *image.RGBA, rh, rw, ph, pw int, dst []int32) {
	ih, iw := img.Rect.Dy(), img.Rect.Dx()
	ry, rx := float64(ih)/float64(rh), float64(iw)/float64(rw)
	clear(dst[:ph*pw*3])
	for y := 0; y < rh; y++ {
		fy := ry * float64(y)
		top := int(math.Floor(fy))
		bot := min(ih-1, int(math.Ceil(fy)))
		yl := fy - float64(top)
		for x := 0; x < rw; x++ {
			fx := rx * float64(x)
			left := int(math.Floor(fx))
			right := min(iw-1, int(math.Ceil(fx)))
			o := dst[(y*pw+x)*3 : (y*pw+x)*3+3]
			bilinear(img, top, bot, left, right, yl, fx-float64(left), o)
		}
	}
}

// bilinear interpolates the RGB of four pixels in float32 like the tfjs kernels
// and truncates to int32.
func bilinear(img *image.RGBA, top, bot, left, right int, yl, xl float64, o []int32) {
	tl := img.PixOffset(img.Rect.Min.X+left, img.Rect.Min.Y+top)
	tr := img.PixOffset(img.Rect.Min.X+right, img.Rect.Min.Y+top)
	bl := img.PixOffset(img.Rect.Min.X+left, img.Rect.Min.Y+bot)
	br := img.PixOffset(img.Rect.Min.X+right, img.Rect.Min.Y+bot)
	p := img.Pix
	for c := 0; c < 3; c++ {
		t := float64(p[tl+c]) + (float64(p[tr+c])-float64(p[tl+c]))*xl
		b := float64(p[bl+c]) + (float64(p[br+c])-float64(p[bl+c]))*xl
		o[c] = int32(float32(t + (b-t)*yl))
	}
}
