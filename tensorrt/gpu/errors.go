package gpu

import "errors"

// ErrNoCUDA means the binary was built without the `cuda` tag: no GPU can be used.
var ErrNoCUDA = errors.New("built without CUDA")

// ErrNoDevice means CUDA works but the requested device index does not exist.
var ErrNoDevice = errors.New("no such CUDA device")

// ErrBudget means a model needs more GPU memory than its budget or than is free.
var ErrBudget = errors.New("model does not fit in GPU memory")

// ErrClosed means the device was used after Close.
var ErrClosed = errors.New("device closed")

// ErrBufferSize means a host slice or device buffer is too small for the dimensions given with it.
var ErrBufferSize = errors.New("buffer size does not match dimensions")
