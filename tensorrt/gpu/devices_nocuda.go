//go:build !cuda

package gpu

// Available reports whether this binary was built with CUDA support.
func Available() bool { return false }

// Devices lists the CUDA devices; without the `cuda` build tag it returns ErrNoCUDA.
func Devices() ([]Info, error) { return nil, ErrNoCUDA }
