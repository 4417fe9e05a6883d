package segment

import (
	"image"
	"math"
)

// InputTensor writes img as a [1,h,w,3] float32 RGB tensor in 0..1 the way tfjs-models'
// convertImageToTensor does for the whole frame with keepAspectRatio false, borderMode "zero"
// (tf.image.transform, bilinear): output pixel (x, y) samples the source at (x·W/w, y·H/h),
// neighbours outside the image count as 0, then values are scaled by 1/255.
func InputTensor(dst []float32, img *image.RGBA, w, h int) {
	sw, sh := img.Rect.Dx(), img.Rect.Dy()
	sx, sy := float64(sw)/float64(w), float64(sh)/float64(h)
	px := func(x, y, c int) float64 {
		if x < 0 || y < 0 || x >= sw || y >= sh {
			return 0
		}
		return float64(img.Pix[y*img.Stride+4*x+c])
	}
	for y := range h {
		fy := float64(y) * sy
		y0 := int(math.Floor(fy))
		wy := fy - float64(y0)
		for x := range w {
			fx := float64(x) * sx
			x0 := int(math.Floor(fx))
			wx := fx - float64(x0)
			o := (y*w + x) * 3
			for c := range 3 {
				top := (1-wx)*px(x0, y0, c) + wx*px(x0+1, y0, c)
				bot := (1-wx)*px(x0, y0+1, c) + wx*px(x0+1, y0+1, c)
				dst[o+c] = float32(((1-wy)*top + wy*bot) / 255)
			}
		}
	}
}

// ResizeMask scales a mask to w×h like tf.image.resizeBilinear with its defaults (no
// align_corners, no half-pixel centres; tfjs-models tensorsToSegmentation): output pixel
// (x, y) samples the source at (x·W/w, y·H/h), the far neighbour clamped to the last row/column.
func ResizeMask(k *Mask, w, h int) *Mask {
	return ResizeMaskInto(&Mask{}, k, w, h)
}

// ResizeMaskInto is ResizeMask writing into out (its slice reused when large enough).
func ResizeMaskInto(out, k *Mask, w, h int) *Mask {
	out.W, out.H = w, h
	if cap(out.V) < w*h {
		out.V = make([]float32, w*h)
	}
	out.V = out.V[:w*h]
	sx, sy := float32(k.W)/float32(w), float32(k.H)/float32(h)
	for y := range h {
		fy := float32(y) * sy
		y0 := int(fy)
		y1 := min(y0+1, k.H-1)
		wy := fy - float32(y0)
		for x := range w {
			fx := float32(x) * sx
			x0 := int(fx)
			x1 := min(x0+1, k.W-1)
			wx := fx - float32(x0)
			top := k.V[y0*k.W+x0] + (k.V[y0*k.W+x1]-k.V[y0*k.W+x0])*wx
			bot := k.V[y1*k.W+x0] + (k.V[y1*k.W+x1]-k.V[y1*k.W+x0])*wx
			out.V[y*w+x] = top + (bot-top)*wy
		}
	}
	return out
}
