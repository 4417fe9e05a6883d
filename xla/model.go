package xla

import (
	"encoding/binary"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strconv"

	"google.golang.org/protobuf/proto"

	"github.com/vivid-ml/vivid-ml-engine/onnx/onnxpb"
)

// onnxModel is a parsed ONNX file with every initializer's data resolved (inline,
// typed fields or external data files next to the model).
type onnxModel struct {
	path   string
	key    string // path, size and modification time: what a compiled program is valid for
	graph  *onnxpb.GraphProto
	opset  int64
	consts map[string]*hostT // initializers, decoded
}

// readModel parses path and decodes its initializers (external data included).
func readModel(path string) (*onnxModel, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("xla: %w", err)
	}
	st, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("xla: %w", err)
	}
	var m onnxpb.ModelProto
	if err := proto.Unmarshal(data, &m); err != nil {
		return nil, fmt.Errorf("xla: %s: %w", path, err)
	}
	abs, _ := filepath.Abs(path)
	om := &onnxModel{path: path, graph: m.GetGraph(), consts: map[string]*hostT{},
		key: fmt.Sprintf("%s:%d:%d", abs, st.Size(), st.ModTime().UnixNano())}
	for _, o := range m.GetOpsetImport() {
		if o.GetDomain() == "" || o.GetDomain() == "ai.onnx" {
			om.opset = o.GetVersion()
		}
	}
	if om.graph == nil {
		return nil, fmt.Errorf("xla: %s: no graph", path)
	}
	ext := &externalFiles{dir: filepath.Dir(path), files: map[string]*os.File{}}
	defer ext.close()
	for _, t := range om.graph.GetInitializer() {
		h, err := decodeTensor(t, ext)
		if err != nil {
			return nil, fmt.Errorf("xla: %s: initializer %q: %w", path, t.GetName(), err)
		}
		om.consts[t.GetName()] = h
	}
	return om, nil
}

// externalFiles opens external-data files once per model load.
type externalFiles struct {
	dir   string
	files map[string]*os.File
}

func (e *externalFiles) close() {
	for _, f := range e.files {
		f.Close()
	}
}

func (e *externalFiles) read(t *onnxpb.TensorProto, n int64) ([]byte, error) {
	var loc string
	var off, length int64 = 0, -1
	for _, kv := range t.GetExternalData() {
		switch kv.GetKey() {
		case "location":
			loc = kv.GetValue()
		case "offset":
			v, err := strconv.ParseInt(kv.GetValue(), 10, 64)
			if err != nil {
				return nil, fmt.Errorf("external data offset: %w", err)
			}
			off = v
		case "length":
			v, err := strconv.ParseInt(kv.GetValue(), 10, 64)
			if err != nil {
				return nil, fmt.Errorf("external data length: %w", err)
			}
			length = v
		}
	}
	if loc == "" || !filepath.IsLocal(loc) {
		return nil, fmt.Errorf("external data location %q is not a file beside the model", loc)
	}
	if length < 0 {
		length = n
	}
	if length != n {
		return nil, fmt.Errorf("external data length %d, the tensor needs %d bytes", length, n)
	}
	f, ok := e.files[loc]
	if !ok {
		var err error
		if f, err = os.Open(filepath.Join(e.dir, loc)); err != nil {
			return nil, err
		}
		e.files[loc] = f
	}
	buf := make([]byte, n)
	if _, err := f.ReadAt(buf, off); err != nil {
		return nil, fmt.Errorf("external data %s at %d: %w", loc, off, err)
	}
	return buf, nil
}

// decodeTensor turns a TensorProto into a host tensor.
func decodeTensor(t *onnxpb.TensorProto, ext *externalFiles) (*hostT, error) {
	if ext == nil && t.GetDataLocation() == onnxpb.TensorProto_EXTERNAL {
		return nil, fmt.Errorf("external data is not allowed here")
	}
	dims := make([]int, len(t.GetDims()))
	n := 1
	for i, d := range t.GetDims() {
		dims[i] = int(d)
		n *= int(d)
	}
	dt := onnxpb.TensorProto_DataType(t.GetDataType())
	size := elemSize(dt)
	if size == 0 {
		return nil, fmt.Errorf("element type %s is not supported", dt)
	}
	raw := t.GetRawData()
	if t.GetDataLocation() == onnxpb.TensorProto_EXTERNAL {
		var err error
		if raw, err = ext.read(t, int64(n*size)); err != nil {
			return nil, err
		}
	}
	h := &hostT{dt: dt, dims: dims}
	if raw != nil {
		if len(raw) != n*size {
			return nil, fmt.Errorf("raw data has %d bytes, want %d", len(raw), n*size)
		}
		h.setRaw(raw, n)
		return h, nil
	}
	switch dt {
	case onnxpb.TensorProto_FLOAT:
		h.f32 = append([]float32(nil), t.GetFloatData()...)
	case onnxpb.TensorProto_DOUBLE:
		h.f32 = make([]float32, len(t.GetDoubleData()))
		for i, v := range t.GetDoubleData() {
			h.f32[i] = float32(v)
		}
	case onnxpb.TensorProto_INT64:
		h.i64 = append([]int64(nil), t.GetInt64Data()...)
	case onnxpb.TensorProto_FLOAT16:
		h.f16 = make([]uint16, len(t.GetInt32Data()))
		for i, v := range t.GetInt32Data() {
			h.f16[i] = uint16(v)
		}
	default: // int32, uint8, int8, bool, int16 live in int32_data
		h.i64 = make([]int64, len(t.GetInt32Data()))
		for i, v := range t.GetInt32Data() {
			h.i64[i] = int64(v)
		}
	}
	if h.len() != n {
		return nil, fmt.Errorf("has %d values, want %d", h.len(), n)
	}
	return h, nil
}

func elemSize(dt onnxpb.TensorProto_DataType) int {
	switch dt {
	case onnxpb.TensorProto_FLOAT, onnxpb.TensorProto_INT32:
		return 4
	case onnxpb.TensorProto_DOUBLE, onnxpb.TensorProto_INT64:
		return 8
	case onnxpb.TensorProto_FLOAT16, onnxpb.TensorProto_INT16:
		return 2
	case onnxpb.TensorProto_UINT8, onnxpb.TensorProto_INT8, onnxpb.TensorProto_BOOL:
		return 1
	}
	return 0
}

// setRaw decodes little-endian raw bytes.
func (h *hostT) setRaw(raw []byte, n int) {
	le := binary.LittleEndian
	switch h.dt {
	case onnxpb.TensorProto_FLOAT:
		h.f32 = make([]float32, n)
		for i := range h.f32 {
			h.f32[i] = math.Float32frombits(le.Uint32(raw[4*i:]))
		}
	case onnxpb.TensorProto_DOUBLE:
		h.f32 = make([]float32, n)
		for i := range h.f32 {
			h.f32[i] = float32(math.Float64frombits(le.Uint64(raw[8*i:])))
		}
	case onnxpb.TensorProto_FLOAT16:
		h.f16 = make([]uint16, n)
		for i := range h.f16 {
			h.f16[i] = le.Uint16(raw[2*i:])
		}
	case onnxpb.TensorProto_INT64:
		h.i64 = make([]int64, n)
		for i := range h.i64 {
			h.i64[i] = int64(le.Uint64(raw[8*i:]))
		}
	case onnxpb.TensorProto_INT32:
		h.i64 = make([]int64, n)
		for i := range h.i64 {
			h.i64[i] = int64(int32(le.Uint32(raw[4*i:])))
		}
	case onnxpb.TensorProto_INT16:
		h.i64 = make([]int64, n)
		for i := range h.i64 {
			h.i64[i] = int64(int16(le.Uint16(raw[2*i:])))
		}
	case onnxpb.TensorProto_INT8:
		h.i64 = make([]int64, n)
		for i := range h.i64 {
			h.i64[i] = int64(int8(raw[i]))
		}
	default: // uint8, bool
		h.i64 = make([]int64, n)
		for i := range h.i64 {
			h.i64[i] = int64(raw[i])
		}
	}
}
