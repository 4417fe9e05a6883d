// Package tensorrt builds the options of ONNX Runtime's TensorRT and CUDA execution
// providers: fp16, the engine and timing caches, shape profiles, device and memory limits.
// It also computes where engines are cached: a directory keyed by everything that makes a
// built engine invalid (ORT version, TensorRT version, GPU name and compute capability,
// shape profile). Pure Go: GPU facts are passed in by the caller.
package tensorrt
