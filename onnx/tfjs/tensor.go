package tfjs

import (
	"encoding/binary"
	"fmt"
	"math"

	"github.com/vivid-ml/vivid-ml-engine/onnx/onnxpb"
)

// Short names for the ONNX element types the importer uses.
const (
	dtFloat = onnxpb.TensorProto_FLOAT
	dtInt32 = onnxpb.TensorProto_INT32
	dtInt64 = onnxpb.TensorProto_INT64
	dtBool  = onnxpb.TensorProto_BOOL
)

// maxElements bounds any one tensor (1<<28 elements, 1 GiB of float32) so hostile manifests cannot exhaust memory.
const maxElements = 1 << 28

// tensor is a constant held in Go: exactly one of f, i, b is set, matching dtype.
type tensor struct {
	dtype onnxpb.TensorProto_DataType
	shape []int64
	f     []float32
	i     []int64 // int32 and int64 values
	b     []bool
}

// numElements multiplies dims, failing on negative dims or more than maxElements.
func numElements(shape []int64) (int64, error) {
	n := int64(1)
	for _, d := range shape {
		if d < 0 {
			return 0, fmt.Errorf("negative dimension %d in shape %v", d, shape)
		}
		if d > 0 && n > maxElements/d {
			return 0, fmt.Errorf("shape %v has more than %d elements", shape, maxElements)
		}
		n *= d
	}
	return n, nil
}

// ints returns integer contents (int32/int64 tensors).
func (t *tensor) ints() ([]int64, bool) {
	if t == nil || !isInt(t.dtype) {
		return nil, false
	}
	return t.i, true
}

func isInt(dt onnxpb.TensorProto_DataType) bool {
	return dt == onnxpb.TensorProto_INT32 || dt == onnxpb.TensorProto_INT64
}

// proto serialises the tensor as an ONNX initializer with raw little-endian data.
func (t *tensor) proto(name string) *onnxpb.TensorProto {
	p := &onnxpb.TensorProto{Name: &name, Dims: append([]int64{}, t.shape...)}
	dt := int32(t.dtype)
	p.DataType = &dt
	var raw []byte
	switch t.dtype {
	case onnxpb.TensorProto_FLOAT:
		raw = make([]byte, 4*len(t.f))
		for k, v := range t.f {
			binary.LittleEndian.PutUint32(raw[4*k:], math.Float32bits(v))
		}
	case onnxpb.TensorProto_INT32:
		raw = make([]byte, 4*len(t.i))
		for k, v := range t.i {
			binary.LittleEndian.PutUint32(raw[4*k:], uint32(int32(v)))
		}
	case onnxpb.TensorProto_INT64:
		raw = make([]byte, 8*len(t.i))
		for k, v := range t.i {
			binary.LittleEndian.PutUint64(raw[8*k:], uint64(v))
		}
	case onnxpb.TensorProto_BOOL:
		raw = make([]byte, len(t.b))
		for k, v := range t.b {
			if v {
				raw[k] = 1
			}
		}
	}
	p.RawData = raw
	return p
}

// dtypeFromTF maps a TF DataType name (DT_FLOAT) or a TFJS dtype (float32) to ONNX.
func dtypeFromTF(s string) (onnxpb.TensorProto_DataType, error) {
	switch s {
	case "DT_FLOAT", "float32":
		return onnxpb.TensorProto_FLOAT, nil
	case "DT_INT32", "int32":
		return onnxpb.TensorProto_INT32, nil
	case "DT_INT64", "int64":
		return onnxpb.TensorProto_INT64, nil
	case "DT_BOOL", "bool":
		return onnxpb.TensorProto_BOOL, nil
	}
	return 0, fmt.Errorf("dtype %q not supported", s)
}

// halfToFloat decodes an IEEE 754 binary16 value.
func halfToFloat(h uint16) float32 {
	sign := uint32(h>>15) << 31
	exp := uint32(h>>10) & 0x1f
	mant := uint32(h) & 0x3ff
	switch {
	case exp == 0 && mant == 0:
		return math.Float32frombits(sign)
	case exp == 0: // subnormal: mant * 2^-24
		f := float32(mant) * (1.0 / (1 << 24))
		if sign != 0 {
			return -f
		}
		return f
	case exp == 0x1f:
		return math.Float32frombits(sign | 0x7f800000 | mant<<13)
	}
	return math.Float32frombits(sign | (exp+112)<<23 | mant<<13)
}
