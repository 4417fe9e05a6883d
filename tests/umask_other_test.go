//go:build !unix

package tests

import "os"

// umask is 0 where there is none (Windows: file modes are not Unix permissions).
func umask() os.FileMode { return 0 }
