package tfjs

import (
	"encoding/binary"
	"fmt"
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/vivid-ml/vivid-ml-engine/onnx/onnxpb"
)

// sliceModel is a [1,9,10,3] float input through one StridedSlice with the given spec.
func sliceModel(begin, end, strides []int32, masks [5]int) (string, []byte) {
	var shard []byte
	for _, v := range [][]int32{begin, end, strides} {
		for _, x := range v {
			shard = binary.LittleEndian.AppendUint32(shard, uint32(x))
		}
	}
	n := len(begin)
	return fmt.Sprintf(`{"modelTopology":{"node":[
 {"name":"x","op":"Placeholder","attr":{"dtype":{"type":"DT_FLOAT"},"shape":{"shape":{"dim":[{"size":"1"},{"size":"9"},{"size":"10"},{"size":"3"}]}}}},
 {"name":"b","op":"Const"},{"name":"e","op":"Const"},{"name":"s","op":"Const"},
 {"name":"y","op":"StridedSlice","input":["x","b","e","s"],"attr":{"begin_mask":{"i":"%d"},"end_mask":{"i":"%d"},
  "ellipsis_mask":{"i":"%d"},"new_axis_mask":{"i":"%d"},"shrink_axis_mask":{"i":"%d"}}}]},
 "weightsManifest":[{"paths":["s.bin"],"weights":[{"name":"b","shape":[%d],"dtype":"int32"},
  {"name":"e","shape":[%d],"dtype":"int32"},{"name":"s","shape":[%d],"dtype":"int32"}]}]}`,
		masks[0], masks[1], masks[2], masks[3], masks[4], n, n, n), shard
}

func initInts(g *onnxpb.GraphProto, name string) []int64 {
	for _, t := range g.GetInitializer() {
		if t.GetName() == name {
			raw := t.GetRawData()
			out := make([]int64, len(raw)/8)
			for i := range out {
				out[i] = int64(binary.LittleEndian.Uint64(raw[8*i:]))
			}
			return out
		}
	}
	return nil
}

// TestStridedSlice checks the Slice/Squeeze/Unsqueeze plan and the inferred shape per mask combination.
func TestStridedSlice(t *testing.T) {
	const big, small = math.MaxInt64, math.MinInt64
	tests := []struct {
		name                string
		begin, end, strides []int32
		masks               [5]int // begin, end, ellipsis, new_axis, shrink
		ops                 string
		starts, ends, axes  []int64
		steps, sq, unsq     []int64
		shape               []int64
	}{
		{"shrink with stride", []int32{0, 1, 2, 1}, []int32{1, -1, 8, 2}, []int32{1, 2, 1, 1}, [5]int{1, 1, 0, 0, 8},
			"Slice Squeeze", []int64{1, 2, 1}, []int64{-1, 8, 2}, []int64{1, 2, 3}, []int64{2, 1, 1}, []int64{3}, nil,
			[]int64{1, 4, 6}},
		{"ellipsis", []int32{0, 1}, []int32{0, 3}, []int32{1, 1}, [5]int{0, 0, 1, 0, 0},
			"Slice", []int64{1}, []int64{3}, []int64{3}, []int64{1}, nil, nil, []int64{1, 9, 10, 2}},
		{"new axis and shrink", []int32{0, 2, 0, 0}, []int32{1, 3, 0, -1}, []int32{1, 1, 1, 1}, [5]int{0, 4, 0, 4, 3},
			"Slice Squeeze Unsqueeze", []int64{0, 2, 0}, []int64{1, 3, -1}, []int64{0, 1, 2}, []int64{1, 1, 1},
			[]int64{0, 1}, []int64{0}, []int64{1, 9, 3}},
		{"reverse", []int32{0, -1, 0}, []int32{0, 0, 0}, []int32{1, -2, 3}, [5]int{5, 7, 0, 0, 0},
			"Slice", []int64{-1, 0}, []int64{small, big}, []int64{1, 2}, []int64{-2, 3}, nil, nil, []int64{1, 5, 4, 3}},
		{"last element", []int32{-1}, []int32{0}, []int32{1}, [5]int{0, 0, 0, 0, 1},
			"Slice Squeeze", []int64{-1}, []int64{big}, []int64{0}, []int64{1}, []int64{0}, nil, []int64{9, 10, 3}},
		{"new axis after ellipsis", []int32{0, 0}, []int32{0, 0}, []int32{1, 1}, [5]int{0, 0, 1, 2, 0},
			"Unsqueeze", nil, nil, nil, nil, nil, []int64{4}, []int64{1, 9, 10, 3, 1}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			js, shard := sliceModel(tc.begin, tc.end, tc.strides, tc.masks)
			m, err := Convert([]byte(js), func(string) ([]byte, error) { return shard, nil })
			if err != nil {
				t.Fatal(err)
			}
			g := m.GetGraph()
			var ops []string
			for _, n := range g.GetNode() {
				ops = append(ops, n.GetOpType())
			}
			if got := strings.Join(ops, " "); got != tc.ops {
				t.Fatalf("ops = %q, want %q", got, tc.ops)
			}
			for _, chk := range []struct {
				name string
				want []int64
			}{{"y/starts", tc.starts}, {"y/ends", tc.ends}, {"y/axes", tc.axes}, {"y/steps", tc.steps},
				{"y/squeeze", tc.sq}, {"y/unsqueeze", tc.unsq}} {
				if got := initInts(g, chk.name); !slices.Equal(got, chk.want) {
					t.Errorf("%s = %v, want %v", chk.name, got, chk.want)
				}
			}
			var shape []int64
			for _, d := range g.GetOutput()[0].GetType().GetTensorType().GetShape().GetDim() {
				shape = append(shape, d.GetDimValue())
			}
			if !slices.Equal(shape, tc.shape) {
				t.Errorf("shape = %v, want %v", shape, tc.shape)
			}
		})
	}
}
