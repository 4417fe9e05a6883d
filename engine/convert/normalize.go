package convert

import "fmt"

// checkRGBA reports whether src holds exactly w×h tightly packed RGBA8 pixels.
func checkRGBA(src []byte, w, h int) error {
	if w <= 0 || h <= 0 {
		return fmt.Errorf("rgba %dx%d: %w", w, h, ErrDims)
	}
	if len(src) != 4*w*h {
		return fmt.Errorf("rgba %dx%d: have %d bytes, want %d: %w", w, h, len(src), 4*w*h, ErrSize)
	}
	return nil
}

// checkLen reports whether a destination holds exactly want elements.
func checkLen(name string, have, want int) error {
	if have != want {
		return fmt.Errorf("%s: have %d elements, want %d: %w", name, have, want, ErrSize)
	}
	return nil
}

// UnitFromByte maps a byte 0–255 to [-1, 1] as the VAE expects (diffusers
// VaeImageProcessor.normalize: 2·(v/255) − 1, computed as v/127.5 − 1).
func UnitFromByte(v byte) float32 {
	return float32(v)/127.5 - 1
}

// unit32 and unit16 hold UnitFromByte for every byte: a byte has only 256 values,
// so the per-pixel work is a table lookup (same numbers as computing it).
var unit32, unit16 = func() (t32 [256]float32, t16 [256]uint16) {
	for v := range 256 {
		t32[v] = UnitFromByte(byte(v))
		t16[v] = Float16(t32[v])
	}
	return t32, t16
}()

// RGBAToNCHW32 writes the RGB planes of a w×h RGBA8 image into dst
// ([1,3,h,w] float32, [-1, 1]); alpha is dropped.
func RGBAToNCHW32(dst []float32, src []byte, w, h int) error {
	if err := checkRGBA(src, w, h); err != nil {
		return err
	}
	plane := w * h
	if err := checkLen("nchw float32", len(dst), 3*plane); err != nil {
		return err
	}
	r, g, b := dst[:plane], dst[plane:2*plane], dst[2*plane:3*plane]
	for i := range plane {
		p := src[4*i : 4*i+3 : 4*i+3]
		r[i], g[i], b[i] = unit32[p[0]], unit32[p[1]], unit32[p[2]]
	}
	return nil
}

// RGBAToNCHW16 is RGBAToNCHW32 with IEEE half-precision output (round to nearest even).
func RGBAToNCHW16(dst []uint16, src []byte, w, h int) error {
	if err := checkRGBA(src, w, h); err != nil {
		return err
	}
	plane := w * h
	if err := checkLen("nchw float16", len(dst), 3*plane); err != nil {
		return err
	}
	r, g, b := dst[:plane], dst[plane:2*plane], dst[2*plane:3*plane]
	for i := range plane {
		p := src[4*i : 4*i+3 : 4*i+3]
		r[i], g[i], b[i] = unit16[p[0]], unit16[p[1]], unit16[p[2]]
	}
	return nil
}

// RGBAToNHWCInt32 writes a w×h RGBA8 image as [1,h,w,3] int32 RGB 0–255, the
// MoveNet input (tfjs-models pose-detection); alpha is dropped.
func RGBAToNHWCInt32(dst []int32, src []byte, w, h int) error {
	if err := checkRGBA(src, w, h); err != nil {
		return err
	}
	if err := checkLen("nhwc int32", len(dst), 3*w*h); err != nil {
		return err
	}
	for i := range w * h {
		dst[3*i] = int32(src[4*i])
		dst[3*i+1] = int32(src[4*i+1])
		dst[3*i+2] = int32(src[4*i+2])
	}
	return nil
}
