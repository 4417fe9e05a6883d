package diffusion

import (
	"image"
	"log/slog"
	"sync/atomic"

	"github.com/vivid-ml/vivid-ml-engine/tensorrt/gpu"
)

// frameConv moves pictures in and out of the VAE tensors: on the GPU when the
// pipeline was given a CUDA device (tensorrt/gpu kernels, equal to engine/convert),
// else on the CPU. A GPU failure is logged once and the CPU path takes over for good.
type frameConv struct {
	dev    *gpu.Device
	log    *slog.Logger
	failed atomic.Bool
}

// toTensor writes img resized to size×size as planar RGB in [-1, 1] into t.
// The CPU path resizes into *scratch (reused) first.
func (c *frameConv) toTensor(img *image.RGBA, size int, t *Tensor, scratch **image.RGBA) {
	if c.useGPU() && img.Stride == 4*img.Rect.Dx() {
		w, h := img.Rect.Dx(), img.Rect.Dy()
		var err error
		if t.Elem == Float16 {
			err = c.dev.ImageToNCHW16(t.F16, img.Pix, w, h, size, size)
		} else {
			err = c.dev.ImageToNCHW32(t.F32, img.Pix, w, h, size, size)
		}
		if err == nil {
			return
		}
		c.fail(err)
	}
	src := fitSquare(img, size, *scratch)
	if src != img {
		*scratch = src
	}
	toCHW(src, t)
}

// fromTensor converts planar RGB in [-1, 1] to an opaque RGBA image (clamped).
func (c *frameConv) fromTensor(t *Tensor, dst *image.RGBA) {
	if c.useGPU() {
		w, h := dst.Rect.Dx(), dst.Rect.Dy()
		var err error
		if t.Elem == Float16 {
			err = c.dev.NCHW16ToImage(dst.Pix, t.F16, w, h)
		} else {
			err = c.dev.NCHW32ToImage(dst.Pix, t.F32, w, h)
		}
		if err == nil {
			return
		}
		c.fail(err)
	}
	fromCHW(t, dst)
}

func (c *frameConv) useGPU() bool { return c.dev != nil && !c.failed.Load() }

func (c *frameConv) fail(err error) {
	if c.failed.CompareAndSwap(false, true) && c.log != nil {
		c.log.Warn("GPU frame conversion failed; using the CPU from now on", "err", err)
	}
}
