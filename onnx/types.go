package onnx

import (
	"fmt"
	"log/slog"
)

// ElemType is a tensor element type; the values are ONNX's TensorProto.DataType numbers.
type ElemType int

// Element types the session layer can allocate and read.
const (
	ElemUndefined ElemType = 0
	ElemFloat32   ElemType = 1
	ElemUint8     ElemType = 2
	ElemInt8      ElemType = 3
	ElemInt32     ElemType = 6
	ElemInt64     ElemType = 7
	ElemBool      ElemType = 9
	ElemFloat16   ElemType = 10
	ElemFloat64   ElemType = 11
)

var elemNames = map[ElemType]string{
	ElemUndefined: "undefined", ElemFloat32: "float32", ElemUint8: "uint8", ElemInt8: "int8",
	ElemInt32: "int32", ElemInt64: "int64", ElemBool: "bool", ElemFloat16: "float16", ElemFloat64: "float64",
}

// String returns the Go-style name of the element type ("float32", "float16", …).
func (e ElemType) String() string {
	if n, ok := elemNames[e]; ok {
		return n
	}
	return fmt.Sprintf("elem(%d)", int(e))
}

// Elem is the set of Go element types a Tensor can hold. Float16 holds IEEE half floats as raw bits.
type Elem interface {
	float32 | float64 | int8 | uint8 | int32 | int64 | bool | Float16
}

// ElemOf returns the ElemType of the Go type T.
func ElemOf[T Elem]() ElemType {
	var z T
	return elemOfAny(any(z))
}

func elemOfAny(z any) ElemType {
	switch z.(type) {
	case float32:
		return ElemFloat32
	case float64:
		return ElemFloat64
	case int8:
		return ElemInt8
	case uint8:
		return ElemUint8
	case int32:
		return ElemInt32
	case int64:
		return ElemInt64
	case bool:
		return ElemBool
	case Float16:
		return ElemFloat16
	}
	return ElemUndefined
}

// TensorInfo describes one model input or output as the model declares it.
// A dimension of -1 is dynamic (a symbolic dim_param or unknown).
type TensorInfo struct {
	Name  string
	Elem  ElemType
	Shape []int64
}

// String formats the info as `name float32[1,3,-1,-1]`.
func (t TensorInfo) String() string { return fmt.Sprintf("%s %s%v", t.Name, t.Elem, t.Shape) }

// Provider names understood by ProviderConfig.Name.
const (
	ProviderTensorRT = "tensorrt"
	ProviderCUDA     = "cuda"
	ProviderCoreML   = "coreml"
	ProviderDirectML = "directml"
	ProviderCPU      = "cpu"
)

// ProviderConfig selects one execution provider and its options, passed through to ONNX Runtime.
//
// tensorrt: keys of the TensorRT provider (trt_fp16_enable, trt_engine_cache_enable, trt_engine_cache_path,
// trt_timing_cache_enable, trt_profile_{min,opt,max}_shapes, trt_dump_ep_context_model,
// trt_ep_context_file_path, device_id, …). cuda: keys of the CUDA provider (device_id, …).
// coreml: CoreML V2 keys (ModelFormat, MLComputeUnits, …). directml: "device_id" (default 0).
// cpu: no options.
type ProviderConfig struct {
	Name    string
	Options map[string]string
	// DeviceIO (cuda) binds every input and output to a device buffer that keeps its
	// address between runs, so only the tensors' bytes cross PCIe and the CUDA graph
	// option (enable_cuda_graph=1) can be used. Off where the CUDA runtime is missing.
	DeviceIO bool
}

// ProviderSkip records why an execution provider earlier in the list was not used.
type ProviderSkip struct {
	Name   string
	Reason string
}

// SessionOptions configures NewSession.
type SessionOptions struct {
	// Threads is the intra-op thread count; 0 lets ONNX Runtime choose (one per core).
	Threads int
	// Providers are tried in order; the first that opens the model wins. Empty means CPU only.
	Providers []ProviderConfig
	// Logger receives provider fallback messages; nil discards them.
	Logger *slog.Logger
	// NoOptimize disables ONNX Runtime's graph optimisations.
	NoOptimize bool
}
