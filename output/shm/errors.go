package shm

import "errors"

// ErrUnsupported means shared-memory segments are not available on this platform build.
var ErrUnsupported = errors.New("shm: only on linux and macos")

// ErrBadName means a segment name is empty, too long or has characters outside [A-Za-z0-9._-].
var ErrBadName = errors.New("shm: bad segment name")

// ErrInUse means a live writer (its pid is running) already owns the segment.
var ErrInUse = errors.New("shm: segment in use by a running writer")

// ErrNotFound means no segment of that name exists (no writer has created it yet).
var ErrNotFound = errors.New("shm: segment not found")

// ErrBadHeader means the segment does not start with a header this package understands.
var ErrBadHeader = errors.New("shm: bad segment header")

// ErrNoFrame means the writer has not published a frame yet.
var ErrNoFrame = errors.New("shm: no frame yet")

// ErrWriterGone means the writer closed the segment (clean exit) or was replaced.
var ErrWriterGone = errors.New("shm: writer closed the segment")

// ErrContended means the writer kept overwriting the slot while it was being copied
// (the reader is slower than the whole ring); the caller may simply retry.
var ErrContended = errors.New("shm: slot overwritten during every read attempt")

// ErrClosed means the writer or reader was used after Close.
var ErrClosed = errors.New("shm: closed")

// ErrBadFrame means the frame size or buffer does not match what the call needs.
var ErrBadFrame = errors.New("shm: bad frame size")

// ErrPattern means a frame does not hold an intact test pattern (a torn or corrupt frame).
var ErrPattern = errors.New("shm: test pattern mismatch")
