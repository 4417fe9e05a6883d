package xla

import "errors"

// ErrUnsupportedOp is returned (wrapped with the op, node and model) for ONNX ops the
// lowering does not implement; Open reports the first one.
var ErrUnsupportedOp = errors.New("unsupported ONNX op")

// ErrNoPlugin is returned when the xla backend finds no PJRT plugin; its text says how
// to get one.
var ErrNoPlugin = errors.New(`no PJRT plugin found: pip install "jax[cuda13]" (or any JAX with a CUDA plugin), or pass --pjrt-plugin PATH / set PJRT_PLUGIN_LIBRARY_PATH`)
