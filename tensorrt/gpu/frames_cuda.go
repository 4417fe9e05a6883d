//go:build cuda

package gpu

import (
	"fmt"
	"unsafe"

	"gorgonia.org/cu"
)

// The host-to-host conversions the pipeline uses while ONNX Runtime takes host
// tensors (onnxruntime_go has no device tensors): upload the frame, resize and
// convert on the GPU, download the tensor. Scratch buffers are kept and reused.

// ImageToNCHW32 resizes a sw×sh RGBA8 image to dw×dh and writes it as
// [1,3,dh,dw] float32 in [-1, 1] (the VAE encoder input).
func (d *Device) ImageToNCHW32(dst []float32, src []byte, sw, sh, dw, dh int) error {
	return imageTo(d, dst, 3*dw*dh, src, sw, sh, dw, dh, "rgba_to_nchw_f32", &d.k.toNCHW32)
}

// ImageToNCHW16 is ImageToNCHW32 with float16 output.
func (d *Device) ImageToNCHW16(dst []uint16, src []byte, sw, sh, dw, dh int) error {
	return imageTo(d, dst, 3*dw*dh, src, sw, sh, dw, dh, "rgba_to_nchw_f16", &d.k.toNCHW16)
}

// ImageToNHWCInt32 resizes a sw×sh RGBA8 image to dw×dh and writes it as
// [1,dh,dw,3] int32 0–255 (the MoveNet input).
func (d *Device) ImageToNHWCInt32(dst []int32, src []byte, sw, sh, dw, dh int) error {
	return imageTo(d, dst, 3*dw*dh, src, sw, sh, dw, dh, "rgba_to_nhwc_i32", &d.k.toNHWC)
}

// NCHW32ToImage writes a [1,3,h,w] float32 image in [-1, 1] as w×h RGBA8.
func (d *Device) NCHW32ToImage(dst []byte, src []float32, w, h int) error {
	return tensorTo(d, dst, src, w, h, "nchw_f32_to_rgba", &d.k.fromNCHW32)
}

// NCHW16ToImage writes a [1,3,h,w] float16 image in [-1, 1] as w×h RGBA8.
func (d *Device) NCHW16ToImage(dst []byte, src []uint16, w, h int) error {
	return tensorTo(d, dst, src, w, h, "nchw_f16_to_rgba", &d.k.fromNCHW16)
}

// imageTo uploads src, resizes it when the sizes differ, runs the conversion
// kernel fn and downloads want elements into dst.
func imageTo[T any](d *Device, dst []T, want int, src []byte, sw, sh, dw, dh int, name string, fn *cu.Function) error {
	if err := checkDims(sw, sh); err != nil {
		return err
	}
	if err := checkDims(dw, dh); err != nil {
		return err
	}
	if len(src) != 4*sw*sh {
		return fmt.Errorf("%s: source has %d bytes, want %d: %w", name, len(src), 4*sw*sh, ErrBufferSize)
	}
	if len(dst) != want {
		return fmt.Errorf("%s: destination has %d elements, want %d: %w", name, len(dst), want, ErrBufferSize)
	}
	return d.do(func() error {
		in, err := d.scratchBuf("in", int64(len(src)))
		if err != nil {
			return err
		}
		out, err := d.scratchBuf("out", byteLen(dst))
		if err != nil {
			return err
		}
		if err := htod(in, src); err != nil {
			return err
		}
		if sw != dw || sh != dh {
			resized, err := d.scratchBuf("resized", int64(4*dw*dh))
			if err != nil {
				return err
			}
			if err := d.resize(resized, dw, dh, in, sw, sh); err != nil {
				return err
			}
			in = resized
		}
		var a args
		a.buf(in).buf(out).int(dw).int(dh)
		if err := launch(name, *fn, dw*dh, a); err != nil {
			return err
		}
		return dtoh(dst, out)
	})
}

// tensorTo uploads a [1,3,h,w] tensor, converts it to RGBA8 with fn and downloads it.
func tensorTo[T any](d *Device, dst []byte, src []T, w, h int, name string, fn *cu.Function) error {
	if err := checkDims(w, h); err != nil {
		return err
	}
	if len(src) != 3*w*h {
		return fmt.Errorf("%s: source has %d elements, want %d: %w", name, len(src), 3*w*h, ErrBufferSize)
	}
	if len(dst) != 4*w*h {
		return fmt.Errorf("%s: destination has %d bytes, want %d: %w", name, len(dst), 4*w*h, ErrBufferSize)
	}
	return d.do(func() error {
		in, err := d.scratchBuf("tensor", byteLen(src))
		if err != nil {
			return err
		}
		out, err := d.scratchBuf("image", int64(len(dst)))
		if err != nil {
			return err
		}
		if err := htod(in, src); err != nil {
			return err
		}
		var a args
		a.buf(in).buf(out).int(w).int(h)
		if err := launch(name, *fn, w*h, a); err != nil {
			return err
		}
		return dtoh(dst, out)
	})
}

// htod copies a host slice to the start of b. Called inside do.
func htod[T any](b *Buffer, src []T) error {
	n := byteLen(src)
	if err := cu.MemcpyHtoD(b.ptr, unsafe.Pointer(&src[0]), n); err != nil {
		return fmt.Errorf("cuMemcpyHtoD %d bytes: %w", n, err)
	}
	return nil
}

// dtoh copies the start of b into a host slice; it waits for queued kernels. Called inside do.
func dtoh[T any](dst []T, b *Buffer) error {
	n := byteLen(dst)
	if err := cu.MemcpyDtoH(unsafe.Pointer(&dst[0]), b.ptr, n); err != nil {
		return fmt.Errorf("cuMemcpyDtoH %d bytes: %w", n, err)
	}
	return nil
}
