package tfjs

import (
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"strings"
	"testing"
)

// deconvModel is input [1,4,5,2] → Conv2DBackpropInput(sizes, filter [3,3,1,2]) with the given
// input_sizes, padding and input shape JSON; shard: 4 int32 sizes then 18 filter floats.
func deconvModel(padding, inShape string, sizes [4]int32) (string, []byte) {
	js := fmt.Sprintf(`{"modelTopology":{"node":[
 {"name":"x","op":"Placeholder","attr":{"dtype":{"type":"DT_FLOAT"},"shape":{"shape":{"dim":%s}}}},
 {"name":"s","op":"Const"},{"name":"f","op":"Const"},
 {"name":"y","op":"Conv2DBackpropInput","input":["s","f","x"],"attr":{"strides":{"list":{"i":["1","2","2","1"]}},"padding":{"s":%q}}}]},
 "weightsManifest":[{"paths":["w.bin"],"weights":[{"name":"s","shape":[4],"dtype":"int32"},{"name":"f","shape":[3,3,1,2],"dtype":"float32"}]}]}`,
		inShape, b64(padding))
	var shard []byte
	for _, v := range sizes {
		shard = binary.LittleEndian.AppendUint32(shard, uint32(v))
	}
	return js, append(shard, floats(make([]float32, 18)...)...)
}

func b64(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }

func TestConvBackpropInput(t *testing.T) {
	static := `[{"size":"1"},{"size":"4"},{"size":"5"},{"size":"2"}]`
	for _, c := range []struct {
		name, padding, shape string
		sizes                [4]int32
		pads, outPad         string // expected attributes, or the error
		err                  error
	}{
		{"same even", "SAME", static, [4]int32{1, 8, 10, 1}, "[0 0 1 1]", "[0 0]", nil},
		{"same odd", "SAME", static, [4]int32{1, 7, 9, 1}, "[1 1 1 1]", "[0 0]", nil},
		{"valid", "VALID", static, [4]int32{1, 9, 11, 1}, "[0 0 0 0]", "[0 0]", nil},
		{"valid extra row", "VALID", static, [4]int32{1, 10, 11, 1}, "[0 0 0 0]", "[1 0]", nil},
		{"impossible size", "VALID", static, [4]int32{1, 12, 11, 1}, "output size 12 cannot come from input 4", "", ErrBadModel},
		{"channel mismatch", "SAME", static, [4]int32{1, 8, 10, 3}, "input_sizes has 3 channels, filter gives 1", "", ErrBadModel},
		{"dynamic input", "SAME", `[{"size":"1"},{"size":"-1"},{"size":"5"},{"size":"2"}]`, [4]int32{1, 8, 10, 1},
			"needs an input of known spatial size", "", ErrUnsupportedOp},
		{"input channels", "SAME", `[{"size":"1"},{"size":"4"},{"size":"5"},{"size":"3"}]`, [4]int32{1, 8, 10, 1},
			"filter expects 2 input channels, input has 3", "", ErrBadModel},
	} {
		t.Run(c.name, func(t *testing.T) {
			js, shard := deconvModel(c.padding, c.shape, c.sizes)
			m, err := Convert([]byte(js), shardReader(map[string][]byte{"w.bin": shard}))
			if c.err != nil {
				if !errors.Is(err, c.err) || !strings.Contains(err.Error(), c.pads) {
					t.Fatalf("err = %v, want %v containing %q", err, c.err, c.pads)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			for _, n := range m.GetGraph().GetNode() {
				if n.GetOpType() != "ConvTranspose" {
					continue
				}
				got := map[string]string{}
				for _, a := range n.GetAttribute() {
					got[a.GetName()] = fmt.Sprint(a.GetInts())
				}
				if got["pads"] != c.pads || got["output_padding"] != c.outPad {
					t.Errorf("pads %s output_padding %s, want %s %s", got["pads"], got["output_padding"], c.pads, c.outPad)
				}
				return
			}
			t.Fatal("no ConvTranspose node")
		})
	}
}

func TestMatMulErrors(t *testing.T) {
	mk := func(dims, attr string) string {
		return fmt.Sprintf(`{"modelTopology":{"node":[
 {"name":"x","op":"Placeholder","attr":{"dtype":{"type":"DT_FLOAT"},"shape":{"shape":{"dim":%s}}}},
 {"name":"w","op":"Const"},
 {"name":"y","op":"MatMul","input":["x","w"],"attr":{%s}}]},
 "weightsManifest":[{"paths":["w.bin"],"weights":[{"name":"w","shape":[3,2],"dtype":"float32"}]}]}`, dims, attr)
	}
	shard := floats(1, 2, 3, 4, 5, 6)
	for _, c := range []struct{ name, js, msg string }{
		{"rank 3", mk(`[{"size":"1"},{"size":"4"},{"size":"3"}]`, ``), "MatMul input 0 has rank 3, want 2"},
		{"inner dims", mk(`[{"size":"4"},{"size":"2"}]`, ``), "MatMul of [4,2] by [3,2]"},
		{"transpose_b", mk(`[{"size":"4"},{"size":"3"}]`, `"transpose_b":{"b":true}`), "MatMul of [4,3] by [2,3]"},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := Convert([]byte(c.js), shardReader(map[string][]byte{"w.bin": shard}))
			if !errors.Is(err, ErrBadModel) || !strings.Contains(err.Error(), c.msg) {
				t.Fatalf("err = %v, want %q", err, c.msg)
			}
		})
	}
	m, err := Convert([]byte(mk(`[{"size":"4"},{"size":"2"}]`, `"transpose_b":{"b":true}`)), shardReader(map[string][]byte{"w.bin": shard}))
	if err != nil {
		t.Fatal(err)
	}
	if dims := m.GetGraph().GetOutput()[0].GetType().GetTensorType().GetShape().GetDim(); dims[0].GetDimValue() != 4 || dims[1].GetDimValue() != 3 {
		t.Errorf("output dims %v, want [4,3]", dims)
	}
}
