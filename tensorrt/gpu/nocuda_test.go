//go:build !cuda

package gpu

import (
	"errors"
	"testing"
)

// TestWithoutCUDA: the default build lists no devices and opens none, saying why.
func TestWithoutCUDA(t *testing.T) {
	if Available() {
		t.Error("Available() = true without the cuda tag")
	}
	if _, err := Devices(); !errors.Is(err, ErrNoCUDA) || err.Error() != "built without CUDA" {
		t.Errorf("Devices() error = %v, want %v", err, ErrNoCUDA)
	}
	d, err := Open(0, nil)
	if !errors.Is(err, ErrNoCUDA) || d != nil {
		t.Errorf("Open(0) = %v, %v; want nil, %v", d, err, ErrNoCUDA)
	}
	if err := d.ImageToNCHW32(nil, nil, 1, 1, 1, 1); !errors.Is(err, ErrNoCUDA) {
		t.Errorf("ImageToNCHW32 on the stub = %v, want %v", err, ErrNoCUDA)
	}
}
