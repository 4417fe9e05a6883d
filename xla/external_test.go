package xla_test

import (
	"encoding/binary"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"google.golang.org/protobuf/proto"

	"github.com/vivid-ml/vivid-ml-engine/engine/convert"
	"github.com/vivid-ml/vivid-ml-engine/engine/infer"
	"github.com/vivid-ml/vivid-ml-engine/onnx/onnxpb"
)

// TestExternalData: weights stored as external data (how every model over 2 GB is
// written, SDXL's fp16 UNet among them), in float32 and float16, give the same result
// as ONNX Runtime reading the same files.
func TestExternalData(t *testing.T) {
	for _, elem := range []infer.DType{infer.Float32, infer.Float16} {
		t.Run(elem.String(), func(t *testing.T) {
			dir := t.TempDir()
			const k, n = 16, 8
			var raw []byte
			for i := range k * n {
				v := float32(math.Sin(float64(i)))
				if elem == infer.Float16 {
					raw = binary.LittleEndian.AppendUint16(raw, convert.Float16(v))
				} else {
					raw = binary.LittleEndian.AppendUint32(raw, math.Float32bits(v))
				}
			}
			pad := make([]byte, 100) // a non-zero offset
			if err := os.WriteFile(filepath.Join(dir, "model.onnx_data"), append(pad, raw...), 0o644); err != nil {
				t.Fatal(err)
			}
			ext := onnxpb.TensorProto_EXTERNAL
			kv := func(key, val string) *onnxpb.StringStringEntryProto {
				return &onnxpb.StringStringEntryProto{Key: proto.String(key), Value: proto.String(val)}
			}
			w := &onnxpb.TensorProto{Name: proto.String("w"), Dims: []int64{k, n}, DataType: proto.Int32(int32(elem)),
				DataLocation: &ext, ExternalData: []*onnxpb.StringStringEntryProto{
					kv("location", "model.onnx_data"), kv("offset", "100"), kv("length", strconv.Itoa(len(raw)))}}
			g := &onnxpb.GraphProto{
				Name:        proto.String("g"),
				Node:        []*onnxpb.NodeProto{{OpType: proto.String("MatMul"), Input: []string{"x", "w"}, Output: []string{"y"}}},
				Initializer: []*onnxpb.TensorProto{w},
				Input:       []*onnxpb.ValueInfoProto{vinfo("x", elem, []int64{3, k})},
				Output:      []*onnxpb.ValueInfoProto{vinfo("y", elem, []int64{3, n})},
			}
			m := &onnxpb.ModelProto{IrVersion: proto.Int64(8), Graph: g,
				OpsetImport: []*onnxpb.OperatorSetIdProto{{Domain: proto.String(""), Version: proto.Int64(17)}}}
			data, err := proto.Marshal(m)
			if err != nil {
				t.Fatal(err)
			}
			path := filepath.Join(dir, "model.onnx")
			if err := os.WriteFile(path, data, 0o644); err != nil {
				t.Fatal(err)
			}
			x := tin{elem: elem, shape: []int64{3, k}}.tensor(rand.New(rand.NewPCG(1, 1)))
			for i := range x.Len() {
				x.SetFloats(i, []float32{float32(i%7) - 3})
			}
			want := runModel(t, ortBackend(t), path, []*infer.Tensor{x}, nil)
			got := runModel(t, goBackend(t), path, []*infer.Tensor{x}, nil)
			tol := 1e-5
			if elem == infer.Float16 {
				tol = 2e-2
			}
			if d := maxDiff(t, want[0], got[0]); d > tol {
				t.Fatalf("max |ort − go| = %.3g", d)
			}
		})
	}
}
