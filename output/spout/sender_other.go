//go:build !windows

package spout

import "log/slog"

// Config configures a Sender.
type Config struct {
	Name   string // the sender name receivers list
	Logger *slog.Logger
}

// Sender is only available on Windows; see sender_windows.go.
type Sender struct{}

// NewSender returns ErrWindowsOnly on this platform.
func NewSender(cfg Config) (*Sender, error) { return nil, ErrWindowsOnly }

// Name is empty on this platform.
func (s *Sender) Name() string { return "" }

// Write is unavailable on this platform.
func (s *Sender) Write(pix []byte, width, height, stride int) error { return ErrWindowsOnly }

// Close does nothing on this platform.
func (s *Sender) Close() error { return nil }
