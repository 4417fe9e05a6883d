// Per-frame conversion kernels of vivid-ml-engine. Each one computes exactly what
// engine/convert computes on the CPU: build with -fmad=false so no multiply-add
// is fused (the Go side rounds every product to float32 before it is summed).
//
// Regenerate the PTX with `go generate ./tensorrt/gpu/` (needs nvcc; see docs/gpu.md).
// Images are tightly packed RGBA8 (4 bytes a pixel); tensors are [1,3,H,W] (NCHW)
// or [1,H,W,3] (NHWC); one thread per pixel or element.
#include <cuda_fp16.h>

// unit_from_byte maps 0..255 to [-1, 1] as v/127.5 - 1 (diffusers normalize).
__device__ __forceinline__ float unit_from_byte(unsigned char v) {
    return (float)v / 127.5f - 1.0f;
}

// clamp_byte rounds to the nearest integer (ties up) and clamps to 0..255; NaN gives 0.
__device__ __forceinline__ unsigned char clamp_byte(float v) {
    if (!(v > 0.0f)) return 0;
    if (v >= 255.0f) return 255;
    return (unsigned char)floorf(v + 0.5f);
}

__device__ __forceinline__ unsigned char byte_from_unit(float v) {
    return clamp_byte((v + 1.0f) * 127.5f);
}

// half_pixel: TF ResizeBilinear(half_pixel_centers) / ONNX Resize(half_pixel) source
// neighbours and weight for output index i.
__device__ __forceinline__ void half_pixel(int i, float scale, int n, int *lo, int *hi, float *w) {
    float in = ((float)i + 0.5f) * scale - 0.5f;
    float fl = floorf(in);
    int l = max((int)fl, 0);
    int h = min((int)ceilf(in), n - 1);
    *lo = min(l, n - 1);
    *hi = max(h, 0);
    *w = in - fl;
}

extern "C" {

__global__ void rgba_to_nchw_f32(const uchar4 *src, float *dst, int w, int h) {
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    int plane = w * h;
    if (i >= plane) return;
    uchar4 p = src[i];
    dst[i] = unit_from_byte(p.x);
    dst[plane + i] = unit_from_byte(p.y);
    dst[2 * plane + i] = unit_from_byte(p.z);
}

__global__ void rgba_to_nchw_f16(const uchar4 *src, unsigned short *dst, int w, int h) {
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    int plane = w * h;
    if (i >= plane) return;
    uchar4 p = src[i];
    dst[i] = __half_as_ushort(__float2half_rn(unit_from_byte(p.x)));
    dst[plane + i] = __half_as_ushort(__float2half_rn(unit_from_byte(p.y)));
    dst[2 * plane + i] = __half_as_ushort(__float2half_rn(unit_from_byte(p.z)));
}

__global__ void rgba_to_nhwc_i32(const uchar4 *src, int *dst, int w, int h) {
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i >= w * h) return;
    uchar4 p = src[i];
    dst[3 * i] = p.x;
    dst[3 * i + 1] = p.y;
    dst[3 * i + 2] = p.z;
}

__global__ void resize_bilinear_rgba(const uchar4 *src, int sw, int sh, uchar4 *dst, int dw, int dh,
                                     float sx, float sy) {
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i >= dw * dh) return;
    int x = i % dw, y = i / dw;
    int x0, x1, y0, y1;
    float fx, fy;
    half_pixel(x, sx, sw, &x0, &x1, &fx);
    half_pixel(y, sy, sh, &y0, &y1, &fy);
    uchar4 a = src[y0 * sw + x0], b = src[y0 * sw + x1];
    uchar4 c = src[y1 * sw + x0], d = src[y1 * sw + x1];
#define LERP(ch)                                                              \
    ({                                                                        \
        float top = (float)a.ch + ((float)b.ch - (float)a.ch) * fx;           \
        float bot = (float)c.ch + ((float)d.ch - (float)c.ch) * fx;           \
        clamp_byte(top + (bot - top) * fy);                                   \
    })
    dst[i] = make_uchar4(LERP(x), LERP(y), LERP(z), LERP(w));
#undef LERP
}

__global__ void nchw_f32_to_rgba(const float *src, uchar4 *dst, int w, int h) {
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    int plane = w * h;
    if (i >= plane) return;
    dst[i] = make_uchar4(byte_from_unit(src[i]), byte_from_unit(src[plane + i]),
                         byte_from_unit(src[2 * plane + i]), 255);
}

__global__ void nchw_f16_to_rgba(const unsigned short *src, uchar4 *dst, int w, int h) {
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    int plane = w * h;
    if (i >= plane) return;
    dst[i] = make_uchar4(byte_from_unit(__half2float(__ushort_as_half(src[i]))),
                         byte_from_unit(__half2float(__ushort_as_half(src[plane + i]))),
                         byte_from_unit(__half2float(__ushort_as_half(src[2 * plane + i]))), 255);
}

// add_scaled: dst = a*x + b*y (noising with sigma, Euler step); dst may alias x or y.
__global__ void add_scaled_f32(float *dst, float a, const float *x, float b, const float *y, int n) {
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i >= n) return;
    dst[i] = a * x[i] + b * y[i];
}

// scale: dst = s*x (VAE latent scaling, scale_model_input); dst may alias x.
__global__ void scale_f32(float *dst, float s, const float *x, int n) {
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i >= n) return;
    dst[i] = s * x[i];
}

}  // extern "C"
