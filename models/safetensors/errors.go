package safetensors

import "errors"

// ErrFormat means the file is not a well-formed safetensors file (bad header length,
// JSON, dtype, shape or byte range).
var ErrFormat = errors.New("safetensors: bad file")

// ErrDType means a tensor's dtype cannot be read as floats (only F16, BF16 and F32 can).
var ErrDType = errors.New("safetensors: unsupported dtype")

// ErrNotFound means the file has no tensor of that name.
var ErrNotFound = errors.New("safetensors: no such tensor")
