//go:build cuda

package gpu

import (
	_ "embed"
	"fmt"
	"math"
	"unsafe"

	"gorgonia.org/cu"
)

// convertPTX is kernels/convert.cu compiled for compute_80 (the driver JITs it
// for newer GPUs such as the H100, sm_90). Regenerate with `go generate`.
//
//go:embed kernels/convert.ptx
var convertPTX string

// blockSize is the threads per block of every kernel (one thread per element).
const blockSize = 256

// kernels holds the loaded module and its functions.
type kernels struct {
	mod                                      cu.Module
	loaded                                   bool
	toNCHW32, toNCHW16, toNHWC, resize       cu.Function
	fromNCHW32, fromNCHW16, addScaled, scale cu.Function
}

// load loads the embedded PTX into the current context. Called inside do.
func (k *kernels) load() error {
	mod, err := cu.LoadData(convertPTX)
	if err != nil {
		return fmt.Errorf("load kernels (cuModuleLoadData): %w", err)
	}
	k.mod, k.loaded = mod, true
	for name, fn := range map[string]*cu.Function{
		"rgba_to_nchw_f32": &k.toNCHW32, "rgba_to_nchw_f16": &k.toNCHW16, "rgba_to_nhwc_i32": &k.toNHWC,
		"resize_bilinear_rgba": &k.resize, "nchw_f32_to_rgba": &k.fromNCHW32, "nchw_f16_to_rgba": &k.fromNCHW16,
		"add_scaled_f32": &k.addScaled, "scale_f32": &k.scale,
	} {
		if *fn, err = mod.Function(name); err != nil {
			return fmt.Errorf("kernel %s: %w", name, err)
		}
	}
	return nil
}

// unload unloads the module. Called inside do.
func (k *kernels) unload() error {
	if !k.loaded {
		return nil
	}
	k.loaded = false
	if err := k.mod.Unload(); err != nil {
		return fmt.Errorf("cuModuleUnload: %w", err)
	}
	return nil
}

// args builds a kernel parameter list. Every value sits in its own 8-byte word
// because cu's Launch copies 8 bytes from each parameter pointer; the driver reads
// only the parameter's own size (4 bytes for int and float, little-endian).
type args []unsafe.Pointer

func (a *args) buf(b *Buffer) *args { return a.word(uint64(b.ptr)) }
func (a *args) int(v int) *args     { return a.word(uint64(uint32(int32(v)))) }
func (a *args) f32(v float32) *args { return a.word(uint64(math.Float32bits(v))) }
func (a *args) word(v uint64) *args {
	w := new(uint64)
	*w = v
	*a = append(*a, unsafe.Pointer(w))
	return a
}

// launch runs fn over n elements, one thread each, on the default stream. Called inside do.
func launch(name string, fn cu.Function, n int, a args) error {
	grid := (n + blockSize - 1) / blockSize
	if err := fn.Launch(grid, 1, 1, blockSize, 1, 1, 0, cu.NoStream, a); err != nil {
		return fmt.Errorf("launch %s: %w", name, err)
	}
	return nil
}

// checkDims validates an image size for the kernels (int32 indexing inside).
func checkDims(w, h int) error {
	if w <= 0 || h <= 0 || int64(w)*int64(h)*4 > math.MaxInt32 {
		return fmt.Errorf("image %dx%d: %w", w, h, ErrBufferSize)
	}
	return nil
}

// need checks that b holds at least size bytes.
func need(what string, b *Buffer, size int) error {
	if b == nil || b.size < int64(size) {
		have := int64(0)
		if b != nil {
			have = b.size
		}
		return fmt.Errorf("%s: have %d bytes, need %d: %w", what, have, size, ErrBufferSize)
	}
	return nil
}
