//go:build cuda

package gpu

import (
	"fmt"
	"math"

	"gorgonia.org/cu"
)

// The device-buffer operations. Each checks sizes, queues its kernel on the
// default stream and returns; a Download (or Synchronize) waits for it. Results
// equal engine/convert's functions of the same name.

// RGBAToNCHW32 converts a w×h RGBA8 image in src to [1,3,h,w] float32 in [-1, 1].
func (d *Device) RGBAToNCHW32(dst, src *Buffer, w, h int) error {
	return d.pixelOp("rgba_to_nchw_f32", &d.k.toNCHW32, dst, 12, src, 4, w, h)
}

// RGBAToNCHW16 converts a w×h RGBA8 image in src to [1,3,h,w] float16 in [-1, 1].
func (d *Device) RGBAToNCHW16(dst, src *Buffer, w, h int) error {
	return d.pixelOp("rgba_to_nchw_f16", &d.k.toNCHW16, dst, 6, src, 4, w, h)
}

// RGBAToNHWCInt32 converts a w×h RGBA8 image in src to [1,h,w,3] int32 0–255 (MoveNet).
func (d *Device) RGBAToNHWCInt32(dst, src *Buffer, w, h int) error {
	return d.pixelOp("rgba_to_nhwc_i32", &d.k.toNHWC, dst, 12, src, 4, w, h)
}

// NCHW32ToRGBA converts [1,3,h,w] float32 in [-1, 1] to w×h RGBA8, clamped, alpha 255.
func (d *Device) NCHW32ToRGBA(dst, src *Buffer, w, h int) error {
	return d.pixelOp("nchw_f32_to_rgba", &d.k.fromNCHW32, dst, 4, src, 12, w, h)
}

// NCHW16ToRGBA converts [1,3,h,w] float16 in [-1, 1] to w×h RGBA8, clamped, alpha 255.
func (d *Device) NCHW16ToRGBA(dst, src *Buffer, w, h int) error {
	return d.pixelOp("nchw_f16_to_rgba", &d.k.fromNCHW16, dst, 4, src, 6, w, h)
}

// pixelOp launches a per-pixel kernel fn(src, dst, w, h) after checking the
// buffers hold dstPer and srcPer bytes a pixel.
func (d *Device) pixelOp(name string, fn *cu.Function, dst *Buffer, dstPer int, src *Buffer, srcPer, w, h int) error {
	if err := checkDims(w, h); err != nil {
		return err
	}
	if err := need(name+" source", src, srcPer*w*h); err != nil {
		return err
	}
	if err := need(name+" destination", dst, dstPer*w*h); err != nil {
		return err
	}
	return d.do(func() error {
		var a args
		a.buf(src).buf(dst).int(w).int(h)
		return launch(name, *fn, w*h, a)
	})
}

// ResizeBilinear scales the sw×sh RGBA8 image in src into dst (dw×dh RGBA8) with
// TF/ONNX half_pixel semantics.
func (d *Device) ResizeBilinear(dst *Buffer, dw, dh int, src *Buffer, sw, sh int) error {
	if err := checkDims(sw, sh); err != nil {
		return err
	}
	if err := checkDims(dw, dh); err != nil {
		return err
	}
	if err := need("resize source", src, 4*sw*sh); err != nil {
		return err
	}
	if err := need("resize destination", dst, 4*dw*dh); err != nil {
		return err
	}
	return d.do(func() error { return d.resize(dst, dw, dh, src, sw, sh) })
}

// resize queues the resize kernel. Called inside do.
func (d *Device) resize(dst *Buffer, dw, dh int, src *Buffer, sw, sh int) error {
	var a args
	a.buf(src).int(sw).int(sh).buf(dst).int(dw).int(dh)
	a.f32(float32(sw) / float32(dw)).f32(float32(sh) / float32(dh))
	return launch("resize_bilinear_rgba", d.k.resize, dw*dh, a)
}

// AddScaled sets dst = a·x + b·y over n float32 values; dst may alias x or y.
func (d *Device) AddScaled(dst *Buffer, a float32, x *Buffer, b float32, y *Buffer, n int) error {
	if err := checkCount(n); err != nil {
		return err
	}
	for _, c := range []struct {
		what string
		buf  *Buffer
	}{{"add scaled destination", dst}, {"add scaled x", x}, {"add scaled y", y}} {
		if err := need(c.what, c.buf, 4*n); err != nil {
			return err
		}
	}
	return d.do(func() error {
		var p args
		p.buf(dst).f32(a).buf(x).f32(b).buf(y).int(n)
		return launch("add_scaled_f32", d.k.addScaled, n, p)
	})
}

// Scale sets dst = s·x over n float32 values; dst may alias x.
func (d *Device) Scale(dst *Buffer, s float32, x *Buffer, n int) error {
	if err := checkCount(n); err != nil {
		return err
	}
	if err := need("scale destination", dst, 4*n); err != nil {
		return err
	}
	if err := need("scale x", x, 4*n); err != nil {
		return err
	}
	return d.do(func() error {
		var p args
		p.buf(dst).f32(s).buf(x).int(n)
		return launch("scale_f32", d.k.scale, n, p)
	})
}

// checkCount validates an element count for the 1-D kernels.
func checkCount(n int) error {
	if n <= 0 || n > math.MaxInt32/4 {
		return fmt.Errorf("%d elements: %w", n, ErrBufferSize)
	}
	return nil
}
