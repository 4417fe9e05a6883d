//go:build cgo

package onnx

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/vivid-ml/vivid-ml-engine/onnx/onnxpb"
	"google.golang.org/protobuf/proto"
)

// dim is one test-model dimension: a number ≥ 1, or 0 for a symbolic "N".
type dim = int64

func valueInfo(name string, elem ElemType, shape ...dim) *onnxpb.ValueInfoProto {
	dims := make([]*onnxpb.TensorShapeProto_Dimension, len(shape))
	for i, d := range shape {
		if d == 0 {
			dims[i] = &onnxpb.TensorShapeProto_Dimension{Value: &onnxpb.TensorShapeProto_Dimension_DimParam{DimParam: "N"}}
		} else {
			dims[i] = &onnxpb.TensorShapeProto_Dimension{Value: &onnxpb.TensorShapeProto_Dimension_DimValue{DimValue: d}}
		}
	}
	return &onnxpb.ValueInfoProto{
		Name: proto.String(name),
		Type: &onnxpb.TypeProto{Value: &onnxpb.TypeProto_TensorType{TensorType: &onnxpb.TypeProto_Tensor{
			ElemType: proto.Int32(int32(elem)),
			Shape:    &onnxpb.TensorShapeProto{Dim: dims},
		}}},
	}
}

// writeModel writes a one-node model (op over inputs a and b giving y) into a temp dir.
func writeModel(t testing.TB, op string, a, b, y *onnxpb.ValueInfoProto) string {
	t.Helper()
	m := &onnxpb.ModelProto{
		IrVersion:    proto.Int64(8),
		ProducerName: proto.String("vivid-ml-engine-test"),
		OpsetImport:  []*onnxpb.OperatorSetIdProto{{Domain: proto.String(""), Version: proto.Int64(13)}},
		Graph: &onnxpb.GraphProto{
			Name: proto.String("g"),
			Node: []*onnxpb.NodeProto{{
				OpType: proto.String(op),
				Input:  []string{a.GetName(), b.GetName()},
				Output: []string{y.GetName()},
			}},
			Input:  []*onnxpb.ValueInfoProto{a, b},
			Output: []*onnxpb.ValueInfoProto{y},
		},
	}
	data, err := proto.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), op+".onnx")
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// addModel is y = a + b over float32 [2,3].
func addModel(t testing.TB) string {
	return writeModel(t, "Add", valueInfo("a", ElemFloat32, 2, 3), valueInfo("b", ElemFloat32, 2, 3), valueInfo("y", ElemFloat32, 2, 3))
}
