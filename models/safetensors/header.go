package safetensors

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"slices"
)

// MaxHeaderSize caps the JSON header (the reference implementation uses 100 MB too).
const MaxHeaderSize = 100 << 20

// DType is a tensor element type as the header spells it.
type DType string

// The dtypes the format defines. Only F16, BF16 and F32 can be read as floats; the
// others are accepted in a header (real checkpoints carry I64 position_ids) so that
// their byte ranges are still checked.
const (
	F16  DType = "F16"
	BF16 DType = "BF16"
	F32  DType = "F32"
)

var dtypeSize = map[DType]int64{
	"BOOL": 1, "U8": 1, "I8": 1, "F8_E4M3": 1, "F8_E5M2": 1,
	"I16": 2, "U16": 2, F16: 2, BF16: 2,
	"I32": 4, "U32": 4, F32: 4,
	"I64": 8, "U64": 8, "F64": 8,
}

// Size is the element size in bytes (0 for an unknown dtype).
func (d DType) Size() int64 { return dtypeSize[d] }

// Float reports whether the dtype can be read as floats.
func (d DType) Float() bool { return d == F16 || d == BF16 || d == F32 }

// Info describes one tensor: its data is bytes [Begin,End) of the data section.
type Info struct {
	Name  string
	DType DType
	Shape []int64
	Begin int64
	End   int64
}

// Numel is the number of elements (1 for a scalar).
func (t Info) Numel() int64 {
	n := int64(1)
	for _, d := range t.Shape {
		n *= d
	}
	return n
}

// Header is a parsed, validated header.
type Header struct {
	Metadata map[string]string
	Tensors  []Info // sorted by name
	DataSize int64  // bytes of data the tensors cover
}

type rawTensor struct {
	DType   DType   `json:"dtype"`
	Shape   []int64 `json:"shape"`
	Offsets []int64 `json:"data_offsets"`
}

// ParseHeader decodes a JSON header and checks every tensor against dataSize, the
// number of bytes after the header: dtype known, dims ≥ 0 without overflow, the byte
// range inside the data and exactly as long as the shape says, no two ranges overlapping.
func ParseHeader(js []byte, dataSize int64) (*Header, error) {
	if len(js) > MaxHeaderSize {
		return nil, fmt.Errorf("%w: header of %d bytes exceeds %d", ErrFormat, len(js), MaxHeaderSize)
	}
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(js, &raw); err != nil {
		return nil, fmt.Errorf("%w: header: %w", ErrFormat, err)
	}
	h := &Header{}
	for name, v := range raw {
		if name == "__metadata__" {
			if err := json.Unmarshal(v, &h.Metadata); err != nil {
				return nil, fmt.Errorf("%w: __metadata__: %w", ErrFormat, err)
			}
			continue
		}
		t, err := parseTensor(name, v, dataSize)
		if err != nil {
			return nil, err
		}
		h.Tensors = append(h.Tensors, t)
	}
	byStart := slices.Clone(h.Tensors)
	slices.SortFunc(byStart, func(a, b Info) int {
		if a.Begin != b.Begin {
			return cmpInt(a.Begin, b.Begin)
		}
		return cmpInt(a.End, b.End)
	})
	for i := 1; i < len(byStart); i++ {
		if byStart[i].Begin < byStart[i-1].End {
			return nil, fmt.Errorf("%w: tensors %q and %q overlap", ErrFormat, byStart[i-1].Name, byStart[i].Name)
		}
	}
	for _, t := range byStart {
		h.DataSize = max(h.DataSize, t.End)
	}
	slices.SortFunc(h.Tensors, func(a, b Info) int { return bytes.Compare([]byte(a.Name), []byte(b.Name)) })
	return h, nil
}

func parseTensor(name string, v json.RawMessage, dataSize int64) (Info, error) {
	dec := json.NewDecoder(bytes.NewReader(v))
	dec.DisallowUnknownFields()
	var r rawTensor
	if err := dec.Decode(&r); err != nil {
		return Info{}, fmt.Errorf("%w: tensor %q: %w", ErrFormat, name, err)
	}
	size := r.DType.Size()
	if size == 0 {
		return Info{}, fmt.Errorf("%w: tensor %q: unknown dtype %q", ErrFormat, name, r.DType)
	}
	if r.Shape == nil {
		return Info{}, fmt.Errorf("%w: tensor %q: no shape", ErrFormat, name)
	}
	n := size
	for _, d := range r.Shape {
		if d < 0 {
			return Info{}, fmt.Errorf("%w: tensor %q: negative dimension in shape %v", ErrFormat, name, r.Shape)
		}
		if d != 0 && n > math.MaxInt64/d {
			return Info{}, fmt.Errorf("%w: tensor %q: shape %v overflows", ErrFormat, name, r.Shape)
		}
		n *= d
	}
	if len(r.Offsets) != 2 {
		return Info{}, fmt.Errorf("%w: tensor %q: data_offsets needs 2 values, has %d", ErrFormat, name, len(r.Offsets))
	}
	b, e := r.Offsets[0], r.Offsets[1]
	if b < 0 || e < b || e > dataSize {
		return Info{}, fmt.Errorf("%w: tensor %q: data_offsets [%d,%d] outside the %d data bytes", ErrFormat, name, b, e, dataSize)
	}
	if e-b != n {
		return Info{}, fmt.Errorf("%w: tensor %q: %s%v needs %d bytes, data_offsets give %d", ErrFormat, name, r.DType, r.Shape, n, e-b)
	}
	return Info{Name: name, DType: r.DType, Shape: r.Shape, Begin: b, End: e}, nil
}

func cmpInt(a, b int64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}
