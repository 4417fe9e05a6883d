//go:build linux || darwin

package shm

import (
	"errors"
	"os"

	"golang.org/x/sys/unix"
)

// mmapSupported: segments can be mapped on this platform.
const mmapSupported = true

// mmapFile maps size bytes of f, shared, read-write or read-only.
func mmapFile(f *os.File, size int, write bool) ([]byte, error) {
	prot := unix.PROT_READ
	if write {
		prot |= unix.PROT_WRITE
	}
	return unix.Mmap(int(f.Fd()), 0, size, prot, unix.MAP_SHARED)
}

// munmap releases a mapping made by mmapFile.
func munmap(b []byte) error { return unix.Munmap(b) }

// pidAlive reports whether a process with that id exists (EPERM still means it exists).
func pidAlive(pid int) bool {
	if pid <= 0 {
		return false
	}
	err := unix.Kill(pid, 0)
	return err == nil || errors.Is(err, unix.EPERM)
}
