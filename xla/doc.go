// Package xla runs ONNX models through GoMLX: a lowering of ONNX graphs to GoMLX
// graphs that this package owns (see docs/xla.md for why not onnx-gomlx), and two
// infer.Backend values over it — "xla" (a PJRT plugin, e.g. JAX's CUDA plugin on
// the H200) and "go" (GoMLX's pure-Go simplego backend, no native library; the CI
// check). Models are compiled once per input-shape bucket; weights are uploaded
// once and stay on the device.
package xla
