//go:build !cgo || !linux

package onnx

import "unsafe"

type devBuffer struct {
	ptr, value unsafe.Pointer
	bytes      int
}

func devOpen(int) error { return ErrNoDeviceIO }

// OpenDevice returns ErrNoDeviceIO: device I/O is built for Linux only.
func OpenDevice(int) error { return ErrNoDeviceIO }

func devAlloc(int, []int64, ElemType) (devBuffer, error) { return devBuffer{}, ErrNoDeviceIO }

func (b devBuffer) free() {}

func (b devBuffer) toDevice(unsafe.Pointer, int) error { return ErrNoDeviceIO }

func (b devBuffer) toHost(unsafe.Pointer, int) error { return ErrNoDeviceIO }

// DeviceMemory returns ErrNoDeviceIO: device I/O is built for Linux only.
func DeviceMemory() (free, total int64, err error) { return 0, 0, ErrNoDeviceIO }
