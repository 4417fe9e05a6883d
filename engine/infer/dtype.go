package infer

import "fmt"

// DType is a tensor element type; the values are ONNX's TensorProto.DataType numbers,
// so every backend can pass them through.
type DType int

// Element types the contract carries.
const (
	Float32 DType = 1
	Uint8   DType = 2
	Int32   DType = 6
	Int64   DType = 7
	Float16 DType = 10
)

func (d DType) String() string {
	switch d {
	case Float32:
		return "float32"
	case Uint8:
		return "uint8"
	case Int32:
		return "int32"
	case Int64:
		return "int64"
	case Float16:
		return "float16"
	}
	return fmt.Sprintf("elem(%d)", int(d))
}

// Size is the element size in bytes (0 for an unknown type).
func (d DType) Size() int {
	switch d {
	case Float32, Int32:
		return 4
	case Int64:
		return 8
	case Float16:
		return 2
	case Uint8:
		return 1
	}
	return 0
}
