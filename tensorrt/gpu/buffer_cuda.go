//go:build cuda

package gpu

import (
	"fmt"
	"unsafe"

	"gorgonia.org/cu"
)

// Buffer is one device allocation, owned by the Device that made it (freed by
// Free or by the Device's Close).
type Buffer struct {
	ptr  cu.DevicePtr
	size int64 // bytes
}

// Size returns the buffer's size in bytes.
func (b *Buffer) Size() int64 { return b.size }

// Alloc allocates size bytes of device memory (cuMemAlloc: plain, not managed).
func (d *Device) Alloc(size int64) (*Buffer, error) {
	if size <= 0 {
		return nil, fmt.Errorf("alloc %d bytes: size must be positive", size)
	}
	var b *Buffer
	err := d.do(func() error {
		ptr, err := cu.MemAlloc(size)
		if err != nil {
			return fmt.Errorf("cuMemAlloc %d bytes: %w", size, err)
		}
		b = &Buffer{ptr: ptr, size: size}
		d.bufs[b] = struct{}{}
		return nil
	})
	return b, err
}

// Free releases b now rather than at Close.
func (d *Device) Free(b *Buffer) error {
	return d.do(func() error {
		if _, ok := d.bufs[b]; !ok {
			return fmt.Errorf("free: buffer not owned by this device")
		}
		delete(d.bufs, b)
		if err := cu.MemFree(b.ptr); err != nil {
			return fmt.Errorf("cuMemFree: %w", err)
		}
		return nil
	})
}

// Upload copies src into the start of b (cuMemcpyHtoD, synchronous).
func Upload[T any](d *Device, b *Buffer, src []T) error {
	n := byteLen(src)
	if n > b.size {
		return fmt.Errorf("upload %d bytes into a %d-byte buffer: %w", n, b.size, ErrBufferSize)
	}
	if n == 0 {
		return nil
	}
	return d.do(func() error {
		if err := cu.MemcpyHtoD(b.ptr, unsafe.Pointer(&src[0]), n); err != nil {
			return fmt.Errorf("cuMemcpyHtoD %d bytes: %w", n, err)
		}
		return nil
	})
}

// Download copies the start of b into dst (cuMemcpyDtoH; waits for the kernels before it).
func Download[T any](d *Device, dst []T, b *Buffer) error {
	n := byteLen(dst)
	if n > b.size {
		return fmt.Errorf("download %d bytes from a %d-byte buffer: %w", n, b.size, ErrBufferSize)
	}
	if n == 0 {
		return nil
	}
	return d.do(func() error {
		if err := cu.MemcpyDtoH(unsafe.Pointer(&dst[0]), b.ptr, n); err != nil {
			return fmt.Errorf("cuMemcpyDtoH %d bytes: %w", n, err)
		}
		return nil
	})
}

// byteLen is the size of s's elements in bytes.
func byteLen[T any](s []T) int64 {
	var zero T
	return int64(len(s)) * int64(unsafe.Sizeof(zero))
}

// scratchBuf returns the named scratch buffer, grown to at least size bytes.
// Called inside do.
func (d *Device) scratchBuf(name string, size int64) (*Buffer, error) {
	if b := d.scratch[name]; b != nil && b.size >= size {
		return b, nil
	}
	if old := d.scratch[name]; old != nil {
		delete(d.bufs, old)
		delete(d.scratch, name)
		if err := cu.MemFree(old.ptr); err != nil {
			return nil, fmt.Errorf("cuMemFree: %w", err)
		}
	}
	ptr, err := cu.MemAlloc(size)
	if err != nil {
		return nil, fmt.Errorf("cuMemAlloc %d bytes: %w", size, err)
	}
	b := &Buffer{ptr: ptr, size: size}
	d.bufs[b] = struct{}{}
	d.scratch[name] = b
	return b, nil
}
