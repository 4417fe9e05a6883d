//go:build !cgo || !(linux || darwin)

package xla

import (
	"errors"
	"log/slog"

	"github.com/gomlx/gomlx/backends"
)

// newPJRT: PJRT plugins are loaded through cgo.
func newPJRT(string, Config, *slog.Logger) (backends.Backend, error) {
	return nil, errors.New("xla: built without cgo: the PJRT (xla) backend is unavailable; use --backend go or ort")
}
