//go:build !linux && !darwin

package shm

import "os"

// mmapSupported is false here: NewWriter fails at once instead of at every frame.
const mmapSupported = false

// mmapFile is unavailable here: segments need linux or macos (Windows: see output/tdshm).
func mmapFile(f *os.File, size int, write bool) ([]byte, error) { return nil, ErrUnsupported }

func munmap(b []byte) error { return ErrUnsupported }

func pidAlive(pid int) bool { return false }
