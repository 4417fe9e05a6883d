package tfjs

import (
	"encoding/binary"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"google.golang.org/protobuf/proto"
)

// FuzzConvert feeds arbitrary model.json text and shard bytes to Convert: errors are fine, panics
// and runaway allocations are not (shape × dtype size is checked against the shard before allocating).
func FuzzConvert(f *testing.F) {
	f.Add([]byte(tinyModel), floats(1, 2, 3))
	f.Add([]byte(tinyModel), floats(1))
	f.Add([]byte(model(`"shape":[3]`, `"shape":[-1]`)), floats(1, 2, 3))
	f.Add([]byte(model(`"shape":[3]`, `"shape":[4294967296,4294967296]`)), floats(1, 2, 3))
	f.Add([]byte(model(`"dtype":"float32"}`, `"dtype":"float32","quantization":{"dtype":"uint8","scale":0.5,"min":-1}}`)), []byte{1, 2, 3})
	f.Add([]byte(model(`"dtype":"float32"}`, `"dtype":"int32","quantization":{"dtype":"float16"}}`)), []byte{0, 60, 0, 64, 0, 0})
	js, shard := sliceModel([]int32{0, 1, 2, 1}, []int32{1, -1, 8, 2}, []int32{1, 2, 1, 1}, [5]int{1, 1, 0, 0, 8})
	f.Add([]byte(js), shard)
	js, shard = sliceModel([]int32{0, 0}, []int32{0, 0}, []int32{1, 0}, [5]int{0, 0, 3, 2, 0})
	f.Add([]byte(js), shard)
	f.Add([]byte(`{"modelTopology":{"node":[{"name":"a","op":"Pack","input":["a"]}]}}`), []byte{})
	f.Add([]byte(`{"modelTopology":{"node":[{"name":"x","op":"Placeholder","attr":{"dtype":{"type":"DT_FLOAT"}}},
		{"name":"y","op":"_FusedConv2D","input":["x","x","x"],"attr":{"fused_ops":{"list":{"s":["Qmlhc0FkZA=="]}}}}]}}`), []byte{})
	f.Fuzz(func(t *testing.T, modelJSON, shard []byte) {
		m, err := Convert(modelJSON, func(string) ([]byte, error) { return shard, nil })
		if err != nil {
			return
		}
		if _, err := proto.Marshal(m); err != nil {
			t.Fatalf("converted model does not marshal: %v", err)
		}
	})
}

// TestWriteFuzzCorpus regenerates testdata/fuzz/FuzzConvert (one small graph per supported op) when
// VIVID_WRITE_CORPUS=1; the files are committed so plain `go test` replays them.
func TestWriteFuzzCorpus(t *testing.T) {
	if os.Getenv("VIVID_WRITE_CORPUS") == "" {
		t.Skip("set VIVID_WRITE_CORPUS=1 to regenerate the corpus")
	}
	dir := filepath.Join("testdata", "fuzz", "FuzzConvert")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	var shard []byte
	for _, v := range []int32{1, 2, 0, -1} {
		shard = binary.LittleEndian.AppendUint32(shard, uint32(v))
	}
	shard = append(shard, floats(0.5, -1, 2, 3)...)
	for op := range opTable {
		js := fmt.Sprintf(`{"modelTopology":{"node":[
 {"name":"x","op":"Placeholder","attr":{"dtype":{"type":"DT_FLOAT"},"shape":{"shape":{"dim":[{"size":"1"},{"size":"-1"},{"size":"4"},{"size":"3"}]}}}},
 {"name":"i","op":"Const"},{"name":"f","op":"Const"},
 {"name":"y","op":%q,"input":["x","i","f","i"],"attr":{"axis":{"i":"1"},"num":{"i":"2"},"strides":{"list":{"i":["1","2","2","1"]}},
  "padding":{"s":"U0FNRQ=="},"DstT":{"type":"DT_INT32"},"fused_ops":{"list":{"s":["Qmlhc0FkZA==","UmVsdTY="]}}}}]},
 "weightsManifest":[{"paths":["w.bin"],"weights":[{"name":"i","shape":[4],"dtype":"int32"},{"name":"f","shape":[2,2],"dtype":"float32"}]}]}`, op)
		body := fmt.Sprintf("go test fuzz v1\n[]byte(%q)\n[]byte(%q)\n", js, shard)
		if err := os.WriteFile(filepath.Join(dir, "op-"+op), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}
