package convert

import "fmt"

// ByteFromUnit maps a [-1, 1] value to a byte: (v+1)·127.5, clamped to 0–255 and
// rounded (diffusers VaeImageProcessor.denormalize then ×255 and round); NaN gives 0.
func ByteFromUnit(v float32) byte {
	return ClampByte(float32((v + 1) * 127.5))
}

// checkNCHW validates a [1,3,h,w] source against a w×h RGBA8 destination.
func checkNCHW(dst []byte, n, w, h int) error {
	if err := checkRGBA(dst, w, h); err != nil {
		return fmt.Errorf("rgba destination: %w", err)
	}
	return checkLen("nchw source", n, 3*w*h)
}

// NCHW32ToRGBA writes a [1,3,h,w] float32 image in [-1, 1] as w×h RGBA8 with
// alpha 255, clamping values outside the range.
func NCHW32ToRGBA(dst []byte, src []float32, w, h int) error {
	if err := checkNCHW(dst, len(src), w, h); err != nil {
		return err
	}
	plane := w * h
	r, g, b := src[:plane], src[plane:2*plane], src[2*plane:3*plane]
	for i := range plane {
		o := dst[4*i : 4*i+4 : 4*i+4]
		o[0], o[1], o[2], o[3] = ByteFromUnit(r[i]), ByteFromUnit(g[i]), ByteFromUnit(b[i]), 255
	}
	return nil
}

// NCHW16ToRGBA is NCHW32ToRGBA for IEEE half-precision input.
func NCHW16ToRGBA(dst []byte, src []uint16, w, h int) error {
	if err := checkNCHW(dst, len(src), w, h); err != nil {
		return err
	}
	plane := w * h
	r, g, b := src[:plane], src[plane:2*plane], src[2*plane:3*plane]
	for i := range plane {
		o := dst[4*i : 4*i+4 : 4*i+4]
		o[0] = ByteFromUnit(Float32From16(r[i]))
		o[1] = ByteFromUnit(Float32From16(g[i]))
		o[2] = ByteFromUnit(Float32From16(b[i]))
		o[3] = 255
	}
	return nil
}
