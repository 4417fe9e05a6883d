//go:build unix

package tests

import (
	"os"
	"syscall"
)

// umask is the process's file mode creation mask (the engine inherits it).
func umask() os.FileMode {
	m := syscall.Umask(0)
	syscall.Umask(m)
	return os.FileMode(m)
}
