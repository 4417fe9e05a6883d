package convert

import (
	"fmt"
	"math"
)

// ResizeBilinear scales a sw×sh RGBA8 image into dst (dw×dh RGBA8) with
// half_pixel_centers semantics: TF ResizeBilinear(half_pixel_centers=true) and
// ONNX Resize(linear, half_pixel) give the same numbers. All four channels are
// interpolated in float32 and rounded to the nearest byte (ties up).
func ResizeBilinear(dst []byte, dw, dh int, src []byte, sw, sh int) error {
	if err := checkRGBA(src, sw, sh); err != nil {
		return fmt.Errorf("resize source: %w", err)
	}
	if err := checkRGBA(dst, dw, dh); err != nil {
		return fmt.Errorf("resize destination: %w", err)
	}
	sx := float32(sw) / float32(dw)
	sy := float32(sh) / float32(dh)
	for y := range dh {
		y0, y1, fy := HalfPixel(y, sy, sh)
		row0, row1 := src[4*sw*y0:], src[4*sw*y1:]
		for x := range dw {
			x0, x1, fx := HalfPixel(x, sx, sw)
			o := dst[4*(y*dw+x):]
			for c := range 4 {
				o[c] = lerpByte(row0[4*x0+c], row0[4*x1+c], row1[4*x0+c], row1[4*x1+c], fx, fy)
			}
		}
	}
	return nil
}

// HalfPixel maps output index i to its two source neighbours and the weight of
// the second: in = (i+0.5)·scale − 0.5, lo = clamp(floor(in)), hi = clamp(ceil(in)),
// weight = in − floor(in) (TF compute_interpolation_weights with HalfPixelScaler).
func HalfPixel(i int, scale float32, n int) (lo, hi int, w float32) {
	in := float32(float32(float32(i)+0.5)*scale) - 0.5
	fl := float32(math.Floor(float64(in)))
	lo = max(int(fl), 0)
	hi = min(int(float32(math.Ceil(float64(in)))), n-1)
	lo = min(lo, n-1)
	hi = max(hi, 0)
	return lo, hi, in - fl
}

// lerpByte interpolates the four neighbours (top-left, top-right, bottom-left,
// bottom-right) like TF's compute_lerp and rounds to a byte.
func lerpByte(tl, tr, bl, br byte, fx, fy float32) byte {
	top := float32(tl) + float32((float32(tr)-float32(tl))*fx)
	bot := float32(bl) + float32((float32(br)-float32(bl))*fx)
	v := top + float32((bot-top)*fy)
	return ClampByte(v)
}

// ClampByte rounds v to the nearest integer (ties up) and clamps it to 0–255;
// NaN gives 0.
func ClampByte(v float32) byte {
	if !(v > 0) {
		return 0
	}
	if v >= 255 {
		return 255
	}
	return byte(float32(math.Floor(float64(v + 0.5))))
}
