// Package gpu is the CUDA device layer: GPU inventory, the VRAM budget check
// before a model loads, and the per-frame conversion kernels (RGBA8 to model
// tensors and back, bilinear resize, latent ops) that match engine/convert.
//
// The CUDA parts build only with the tag `cuda` (gorgonia.org/cu needs cuda.h and
// libcuda, and its init exits the process without a GPU). The default build keeps
// the types and returns ErrNoCUDA ("built without CUDA").
package gpu

//go:generate nvcc -ptx -arch=compute_80 -fmad=false -o kernels/convert.ptx kernels/convert.cu
