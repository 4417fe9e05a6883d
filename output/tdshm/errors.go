package tdshm

import "errors"

// ErrWindowsOnly means the TouchDesigner layout needs Windows file mappings.
var ErrWindowsOnly = errors.New("tdshm: TouchDesigner shared memory is only on Windows")

// ErrBadHeader means bytes do not hold a TOP shared-memory header or info block.
var ErrBadHeader = errors.New("tdshm: bad header")

// ErrBadName means a name is empty, too long or not plain ASCII letters, digits, '_' or '-'.
var ErrBadName = errors.New("tdshm: bad name")

// ErrNotFound means no sender of that name has its shared memory open (or it detached).
var ErrNotFound = errors.New("tdshm: no such sender")
