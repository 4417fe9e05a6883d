package spout

import "errors"

// ErrWindowsOnly means Spout needs Windows and DirectX 11.
var ErrWindowsOnly = errors.New("spout: Spout senders are only on Windows")

// ErrBadName means a sender name is empty, too long (≥ 256 bytes) or holds NUL or '\'.
var ErrBadName = errors.New("spout: bad sender name")

// ErrBadLayout means bytes are too short for a Spout shared-memory structure.
var ErrBadLayout = errors.New("spout: bad layout")

// ErrNotFound means no sender of that name is registered (or its info map is gone).
var ErrNotFound = errors.New("spout: no such sender")

// ErrFull means the sender registry already holds MaxSenders names.
var ErrFull = errors.New("spout: sender registry full")
