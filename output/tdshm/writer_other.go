//go:build !windows

package tdshm

import (
	"log/slog"
	"time"
)

// Writer is only available on Windows; see writer_windows.go.
type Writer struct{}

// Config configures a Writer.
type Config struct {
	Name   string // the TOP's "Memory Name"
	FlipY  bool   // write bottom row first (TouchDesigner's texture origin)
	Logger *slog.Logger
}

// NewWriter returns ErrWindowsOnly on this platform.
func NewWriter(cfg Config) (*Writer, error) { return nil, ErrWindowsOnly }

// Write is unavailable on this platform.
func (w *Writer) Write(pix []byte, width, height, stride int, ts time.Time) error {
	return ErrWindowsOnly
}

// Close does nothing on this platform.
func (w *Writer) Close() error { return nil }
