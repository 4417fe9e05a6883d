package onnx

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"google.golang.org/protobuf/proto"

	"github.com/vivid-ml/vivid-ml-engine/onnx/onnxpb"
)

// ioModel is a Gemm-like model: x [N,4] float32, w initializer listed among the inputs
// too (ONNX Runtime drops it from the session's inputs), t int64 [] and output y.
func ioModel() []byte {
	vi := func(name string, elem ElemType, dims ...any) *onnxpb.ValueInfoProto {
		var ds []*onnxpb.TensorShapeProto_Dimension
		for _, d := range dims {
			switch d := d.(type) {
			case int:
				ds = append(ds, &onnxpb.TensorShapeProto_Dimension{Value: &onnxpb.TensorShapeProto_Dimension_DimValue{DimValue: int64(d)}})
			case string:
				ds = append(ds, &onnxpb.TensorShapeProto_Dimension{Value: &onnxpb.TensorShapeProto_Dimension_DimParam{DimParam: d}})
			}
		}
		return &onnxpb.ValueInfoProto{Name: proto.String(name), Type: &onnxpb.TypeProto{Value: &onnxpb.TypeProto_TensorType{
			TensorType: &onnxpb.TypeProto_Tensor{ElemType: proto.Int32(int32(elem)), Shape: &onnxpb.TensorShapeProto{Dim: ds}}}}}
	}
	m := &onnxpb.ModelProto{
		IrVersion:    proto.Int64(8),
		ProducerName: proto.String("test"),
		OpsetImport:  []*onnxpb.OperatorSetIdProto{{Version: proto.Int64(13)}},
		Graph: &onnxpb.GraphProto{
			Name: proto.String("g"),
			Node: []*onnxpb.NodeProto{
				{OpType: proto.String("MatMul"), Input: []string{"x", "w"}, Output: []string{"y"}},
				{OpType: proto.String("Identity"), Input: []string{"t"}, Output: []string{"t_out"}},
			},
			Initializer: []*onnxpb.TensorProto{{Name: proto.String("w"), Dims: []int64{4, 2}, DataType: proto.Int32(1),
				RawData: make([]byte, 32)}},
			Input:  []*onnxpb.ValueInfoProto{vi("x", ElemFloat32, "N", 4), vi("w", ElemFloat32, 4, 2), vi("t", ElemInt64)},
			Output: []*onnxpb.ValueInfoProto{vi("y", ElemFloat32, "N", 2), vi("t_out", ElemInt64)},
		},
	}
	b, err := proto.Marshal(m)
	if err != nil {
		panic(err)
	}
	return b
}

func TestReadModelIO(t *testing.T) {
	path := filepath.Join(t.TempDir(), "io.onnx")
	os.WriteFile(path, ioModel(), 0o644)
	in, out, err := ReadModelIO(path)
	if err != nil {
		t.Fatal(err)
	}
	wantIn := []TensorInfo{{"x", ElemFloat32, []int64{-1, 4}}, {"t", ElemInt64, []int64{}}}
	wantOut := []TensorInfo{{"y", ElemFloat32, []int64{-1, 2}}, {"t_out", ElemInt64, []int64{}}}
	if !reflect.DeepEqual(in, wantIn) || !reflect.DeepEqual(out, wantOut) {
		t.Fatalf("got %v %v\nwant %v %v", in, out, wantIn, wantOut)
	}
}

func TestReadModelIOErrors(t *testing.T) {
	good := ioModel()
	tests := []struct {
		name string
		data []byte
		want string
	}{
		{"empty", nil, "onnx: bad model file: no graph"},
		{"truncated", good[:len(good)-5], "onnx: bad model file: field 7 overruns its message at "},
		{"bad varint", []byte{0x3a, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff}, "onnx: bad model file: bad varint at 1"},
		{"group", []byte{0x3b}, "onnx: bad model file: unsupported wire type 3 at 0"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := parseModelIO(bytes.NewReader(tt.data), int64(len(tt.data)))
			if err == nil || !errors.Is(err, ErrBadModel) || len(err.Error()) < len(tt.want) || err.Error()[:len(tt.want)] != tt.want {
				t.Fatalf("err = %v, want prefix %q", err, tt.want)
			}
		})
	}
	if _, _, err := ReadModelIO(filepath.Join(t.TempDir(), "none.onnx")); err == nil {
		t.Fatal("missing file read")
	}
}

func FuzzParseModelIO(f *testing.F) {
	f.Add(ioModel())
	f.Add([]byte{0x3a, 0x02, 0x5a, 0x00})
	f.Fuzz(func(t *testing.T, data []byte) {
		in, out, err := parseModelIO(bytes.NewReader(data), int64(len(data)))
		if err == nil {
			for _, ti := range append(in, out...) {
				for _, d := range ti.Shape {
					if d == 0 || d < -1 {
						t.Fatalf("dimension %d", d)
					}
				}
			}
		}
	})
}
