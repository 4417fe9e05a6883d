// Package convert holds the CPU reference of the per-frame tensor conversions:
// RGBA8 frames to model inputs (NCHW float32/float16 in [-1, 1], NHWC int32 0–255),
// bilinear resize with TF/ONNX half_pixel semantics, NCHW float back to RGBA8, and
// the latent ops of the diffusion loop. The CUDA kernels in tensorrt/gpu must
// produce the same numbers; every product that feeds a sum is rounded to float32
// explicitly so the Go compiler cannot fuse it (the kernels are built with -fmad=false).
package convert
