package onnx

import "errors"

// ErrNoCgo is returned by every function of a build without cgo, which cannot load ONNX Runtime.
var ErrNoCgo = errors.New("onnx: built without cgo, ONNX Runtime is unavailable")

// ErrNotInitialized means Init has not (successfully) run yet in this process.
var ErrNotInitialized = errors.New("onnx: runtime not initialized (call onnx.Init first)")

// ErrNoLibrary means Init was called without a library path.
var ErrNoLibrary = errors.New("onnx: no ONNX Runtime library path given")

// ErrOtherLibrary means Init was called again with a different library than the one already loaded;
// ONNX Runtime can be loaded only once per process.
var ErrOtherLibrary = errors.New("onnx: another ONNX Runtime library is already loaded")

// ErrUnknownProvider means a ProviderConfig names an execution provider this layer does not know.
var ErrUnknownProvider = errors.New("onnx: unknown execution provider")

// ErrNoProvider means every execution provider in the list was skipped; the error lists the reasons.
var ErrNoProvider = errors.New("onnx: no execution provider could open the model")

// ErrValueCount means Run got a different number of inputs or outputs than the model declares.
var ErrValueCount = errors.New("onnx: wrong number of values")

// ErrBadShape means a tensor shape has no dimensions or a dimension below 1.
var ErrBadShape = errors.New("onnx: invalid tensor shape")

// ErrClosed means the session or tensor was already closed/destroyed.
var ErrClosed = errors.New("onnx: use after close")

// ErrNoDeviceIO means device-resident inputs and outputs are unavailable here (no CUDA
// runtime, another platform, or the ONNX Runtime C API did not match); models then
// run on host tensors.
var ErrNoDeviceIO = errors.New("onnx: device I/O unavailable")
