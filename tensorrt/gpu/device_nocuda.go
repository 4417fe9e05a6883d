//go:build !cuda

package gpu

import "log/slog"

// Device is a CUDA device; without the `cuda` build tag none can be opened and
// every method returns ErrNoCUDA, so callers compile the same either way.
type Device struct{}

// Open returns ErrNoCUDA: this binary was built without CUDA.
func Open(index int, log *slog.Logger) (*Device, error) { return nil, ErrNoCUDA }

// Info returns the zero Info.
func (d *Device) Info() Info { return Info{} }

// CheckBudget returns ErrNoCUDA.
func (d *Device) CheckBudget(needMB, budgetMB int64) error { return ErrNoCUDA }

// Close returns ErrNoCUDA.
func (d *Device) Close() error { return ErrNoCUDA }

// ImageToNCHW32 returns ErrNoCUDA.
func (d *Device) ImageToNCHW32(dst []float32, src []byte, sw, sh, dw, dh int) error { return ErrNoCUDA }

// ImageToNCHW16 returns ErrNoCUDA.
func (d *Device) ImageToNCHW16(dst []uint16, src []byte, sw, sh, dw, dh int) error { return ErrNoCUDA }

// ImageToNHWCInt32 returns ErrNoCUDA.
func (d *Device) ImageToNHWCInt32(dst []int32, src []byte, sw, sh, dw, dh int) error {
	return ErrNoCUDA
}

// NCHW32ToImage returns ErrNoCUDA.
func (d *Device) NCHW32ToImage(dst []byte, src []float32, w, h int) error { return ErrNoCUDA }

// NCHW16ToImage returns ErrNoCUDA.
func (d *Device) NCHW16ToImage(dst []byte, src []uint16, w, h int) error { return ErrNoCUDA }
