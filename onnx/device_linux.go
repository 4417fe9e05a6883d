//go:build cgo && linux

package onnx

/*
#cgo LDFLAGS: -ldl
#include <dlfcn.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

// ONNX Runtime's C API is a table of function pointers, append-only across
// versions (onnxruntime_c_api.h, struct OrtApi). The slots used here are
// checked against the header that onnxruntime_go ships (device_test.go) and at
// run time by creating and reading a status.
enum {
	kCreateStatus = 0, kGetErrorMessage = 2, kCreateTensorWithDataAsOrtValue = 49,
	kCreateMemoryInfo = 68, kReleaseStatus = 93, kReleaseMemoryInfo = 94, kReleaseValue = 96,
};
typedef void* (*fn_create_status)(int, const char*);
typedef const char* (*fn_error_message)(const void*);
typedef void (*fn_release)(void*);
typedef void* (*fn_create_mem_info)(const char*, int, int, int, void**);
typedef void* (*fn_create_tensor)(const void*, void*, size_t, const int64_t*, size_t, int, void**);
typedef struct { const void* (*GetApi)(uint32_t); const char* (*GetVersionString)(void); } api_base;

static void** vivid_api;
static void* vivid_cuda_mem_info;

// CUDA runtime entry points, looked up in the libcudart the CUDA provider loads.
static int (*p_cudaMalloc)(void**, size_t);
static int (*p_cudaFree)(void*);
static int (*p_cudaMemcpy)(void*, const void*, size_t, int);
static int (*p_cudaMemGetInfo)(size_t*, size_t*);
static int (*p_cudaSetDevice)(int);
static const char* (*p_cudaGetErrorString)(int);

static char vivid_err[512];

static const char* vivid_status(void* st) {
	if (st == NULL) return NULL;
	const char* m = ((fn_error_message)vivid_api[kGetErrorMessage])(st);
	strncpy(vivid_err, m ? m : "unknown error", sizeof vivid_err - 1);
	((fn_release)vivid_api[kReleaseStatus])(st);
	return vivid_err;
}

// vivid_api_init binds the API table of the loaded library; "" on success.
static const char* vivid_api_init(const char* ortlib) {
	if (vivid_api == NULL) {
		void* h = dlopen(ortlib, RTLD_NOW | RTLD_NOLOAD);
		if (h == NULL) h = dlopen(ortlib, RTLD_NOW);
		if (h == NULL) return "cannot reopen the ONNX Runtime library";
		const api_base* (*base)(void) = (const api_base* (*)(void))dlsym(h, "OrtGetApiBase");
		if (base == NULL) return "OrtGetApiBase not found";
		vivid_api = (void**)base()->GetApi(24);
		if (vivid_api == NULL) return "ONNX Runtime lacks C API version 24";
		void* st = ((fn_create_status)vivid_api[kCreateStatus])(2, "vivid-probe");
		const char* m = ((fn_error_message)vivid_api[kGetErrorMessage])(st);
		int ok = m != NULL && strcmp(m, "vivid-probe") == 0;
		((fn_release)vivid_api[kReleaseStatus])(st);
		if (!ok) { vivid_api = NULL; return "ONNX Runtime C API table does not match"; }
	}
	return "";
}

// vivid_dev_init binds libcudart and the CUDA memory info for device; "" on success.
static const char* vivid_dev_init(const char* ortlib, int device) {
	const char* m = vivid_api_init(ortlib);
	if (m[0] != 0) return m;
	if (p_cudaMemcpy == NULL) {
		const char* names[] = {"libcudart.so.13", "libcudart.so.12", "libcudart.so", NULL};
		void* h = NULL;
		for (int i = 0; names[i] != NULL && h == NULL; i++) h = dlopen(names[i], RTLD_NOW | RTLD_GLOBAL);
		if (h == NULL) return "libcudart (CUDA runtime) not found";
		p_cudaMalloc = dlsym(h, "cudaMalloc");
		p_cudaFree = dlsym(h, "cudaFree");
		p_cudaMemcpy = dlsym(h, "cudaMemcpy");
		p_cudaMemGetInfo = dlsym(h, "cudaMemGetInfo");
		p_cudaSetDevice = dlsym(h, "cudaSetDevice");
		p_cudaGetErrorString = dlsym(h, "cudaGetErrorString");
		if (!p_cudaMalloc || !p_cudaFree || !p_cudaMemcpy || !p_cudaMemGetInfo || !p_cudaSetDevice || !p_cudaGetErrorString) {
			p_cudaMemcpy = NULL;
			return "libcudart lacks cudaMalloc/cudaMemcpy";
		}
	}
	int e = p_cudaSetDevice(device);
	if (e != 0) return p_cudaGetErrorString(e);
	if (vivid_cuda_mem_info == NULL) {
		// OrtDeviceAllocator = 0, OrtMemTypeDefault = 0
		const char* m = vivid_status(((fn_create_mem_info)vivid_api[kCreateMemoryInfo])("Cuda", 0, device, 0, &vivid_cuda_mem_info));
		if (m != NULL) return m;
	}
	return "";
}

// vivid_dev_alloc allocates n bytes on the device and wraps them as an OrtValue.
static const char* vivid_dev_alloc(size_t n, const int64_t* shape, size_t rank, int elem, void** ptr, void** value) {
	int e = p_cudaMalloc(ptr, n);
	if (e != 0) return p_cudaGetErrorString(e);
	const char* m = vivid_status(((fn_create_tensor)vivid_api[kCreateTensorWithDataAsOrtValue])(
		vivid_cuda_mem_info, *ptr, n, shape, rank, elem, value));
	if (m != NULL) { p_cudaFree(*ptr); *ptr = NULL; return m; }
	return NULL;
}

static void vivid_dev_free(void* ptr, void* value) {
	if (value != NULL) ((fn_release)vivid_api[kReleaseValue])(value);
	if (ptr != NULL) p_cudaFree(ptr);
}

// kind: 1 host→device, 2 device→host
static const char* vivid_copy(void* dst, const void* src, size_t n, int kind) {
	int e = p_cudaMemcpy(dst, src, n, kind);
	return e == 0 ? NULL : p_cudaGetErrorString(e);
}

static const char* vivid_mem_info(size_t* free_b, size_t* total_b) {
	if (p_cudaMemGetInfo == NULL) return "libcudart not loaded";
	int e = p_cudaMemGetInfo(free_b, total_b);
	return e == 0 ? NULL : p_cudaGetErrorString(e);
}
*/
import "C"

import (
	"errors"
	"fmt"
	"sync"
	"unsafe"
)

var devInit sync.Mutex

// apiOpen binds ONNX Runtime's C API table (no CUDA needed); tests use it.
func apiOpen() error {
	lib := LibraryPath()
	if lib == "" {
		return ErrNotInitialized
	}
	devInit.Lock()
	defer devInit.Unlock()
	cl := C.CString(lib)
	defer C.free(unsafe.Pointer(cl))
	if m := C.GoString(C.vivid_api_init(cl)); m != "" {
		return fmt.Errorf("%w: %s", ErrNoDeviceIO, m)
	}
	return nil
}

// devOpen binds the device layer for device (ORT's C API table and libcudart).
func devOpen(device int) error {
	lib := LibraryPath()
	if lib == "" {
		return ErrNotInitialized
	}
	devInit.Lock()
	defer devInit.Unlock()
	cl := C.CString(lib)
	defer C.free(unsafe.Pointer(cl))
	if m := C.GoString(C.vivid_dev_init(cl, C.int(device))); m != "" {
		return fmt.Errorf("%w: %s", ErrNoDeviceIO, m)
	}
	return nil
}

// OpenDevice binds the CUDA runtime for device (after Init), so DeviceMemory can
// report; it fails with ErrNoDeviceIO where there is no CUDA runtime or GPU.
func OpenDevice(device int) error { return devOpen(device) }

// devBuffer is one device allocation wrapped as an ORT value.
type devBuffer struct {
	ptr, value unsafe.Pointer
	bytes      int
}

func devAlloc(bytes int, shape []int64, elem ElemType) (devBuffer, error) {
	var ptr, value unsafe.Pointer
	var sp *C.int64_t
	if len(shape) > 0 {
		sp = (*C.int64_t)(unsafe.Pointer(&shape[0]))
	}
	if m := C.vivid_dev_alloc(C.size_t(bytes), sp, C.size_t(len(shape)), C.int(elem), &ptr, &value); m != nil {
		return devBuffer{}, fmt.Errorf("onnx: device buffer of %d bytes: %s", bytes, C.GoString(m))
	}
	return devBuffer{ptr: ptr, value: value, bytes: bytes}, nil
}

func (b devBuffer) free() { C.vivid_dev_free(b.ptr, b.value) }

// toDevice copies n bytes from host memory src into the buffer.
func (b devBuffer) toDevice(src unsafe.Pointer, n int) error {
	if m := C.vivid_copy(b.ptr, src, C.size_t(n), 1); m != nil {
		return errors.New("onnx: copy to device: " + C.GoString(m))
	}
	return nil
}

// toHost copies n bytes of the buffer into host memory dst.
func (b devBuffer) toHost(dst unsafe.Pointer, n int) error {
	if m := C.vivid_copy(dst, b.ptr, C.size_t(n), 2); m != nil {
		return errors.New("onnx: copy to host: " + C.GoString(m))
	}
	return nil
}

// DeviceMemory reports the current device's free and total memory in bytes, once a
// CUDA model with device I/O was opened (ErrNoDeviceIO before).
func DeviceMemory() (free, total int64, err error) {
	var f, t C.size_t
	if m := C.vivid_mem_info(&f, &t); m != nil {
		return 0, 0, fmt.Errorf("%w: %s", ErrNoDeviceIO, C.GoString(m))
	}
	return int64(f), int64(t), nil
}
