package safetensors

import (
	"bytes"
	"encoding/binary"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func withHeader(js string, data int) []byte {
	b := make([]byte, 8, 8+len(js)+data)
	binary.LittleEndian.PutUint64(b, uint64(len(js)))
	b = append(b, js...)
	return append(b, make([]byte, data)...)
}

func TestRoundTrip(t *testing.T) {
	vals := []float32{0, 1, -2, 0.5, 3.140625, -1024}
	tensors := []Tensor{
		FromFloat32("b.f16", F16, []int64{2, 3}, vals),
		FromFloat32("a.f32", F32, []int64{6}, vals),
		FromFloat32("c.bf16", BF16, []int64{3, 2}, vals),
		{Name: "d.ids", DType: "I64", Shape: []int64{1}, Data: make([]byte, 8)},
	}
	path := filepath.Join(t.TempDir(), "m.safetensors")
	if err := WriteFile(path, tensors, map[string]string{"format": "pt"}); err != nil {
		t.Fatal(err)
	}
	f, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if f.Metadata["format"] != "pt" || len(f.Tensors) != 4 || f.Tensors[0].Name != "a.f32" {
		t.Fatalf("header = %+v", f.Header)
	}
	for _, name := range []string{"a.f32", "b.f16", "c.bf16"} {
		got, err := f.Float32(name)
		if err != nil {
			t.Fatal(err)
		}
		for i, v := range vals {
			if got[i] != v {
				t.Errorf("%s[%d] = %v, want %v", name, i, got[i], v)
			}
		}
	}
	if _, err := f.Float32("d.ids"); !errors.Is(err, ErrDType) || !strings.Contains(err.Error(), `"d.ids" is I64`) {
		t.Errorf("I64 as floats: %v", err)
	}
	if _, err := f.Float32("nope"); !errors.Is(err, ErrNotFound) {
		t.Errorf("missing tensor: %v", err)
	}
	// the ReadAt path (platforms without mmap) gives the same bytes.
	b, _ := os.ReadFile(path)
	g, err := open(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatal(err)
	}
	x, _ := g.Bytes("b.f16")
	y, _ := f.Bytes("b.f16")
	if !bytes.Equal(x, y) {
		t.Error("ReadAt and mmap bytes differ")
	}
}

func TestHostile(t *testing.T) {
	huge := make([]byte, 8)
	binary.LittleEndian.PutUint64(huge, 1<<62)
	for _, tc := range []struct {
		name string
		file []byte
		want string
	}{
		{"empty", nil, "safetensors: bad file: 0 bytes, shorter than the 8-byte header length"},
		{"huge header length", huge, "safetensors: bad file: header length 4611686018427387904 exceeds 104857600"},
		{"header past the end", withHeader(`{}`, 0)[:9], "safetensors: bad file: header length 2 but only 1 bytes follow"},
		{"not json", withHeader(`{"a":`, 0), "safetensors: bad file: header: unexpected end of JSON input"},
		{"not an object", withHeader(`[1]`, 0), "safetensors: bad file: header: json: cannot unmarshal array into Go value of type map[string]json.RawMessage"},
		{"unknown dtype", withHeader(`{"a":{"dtype":"F128","shape":[1],"data_offsets":[0,16]}}`, 16), `safetensors: bad file: tensor "a": unknown dtype "F128"`},
		{"negative dim", withHeader(`{"a":{"dtype":"F32","shape":[-1],"data_offsets":[0,4]}}`, 4), `safetensors: bad file: tensor "a": negative dimension in shape [-1]`},
		{"overflow", withHeader(`{"a":{"dtype":"F32","shape":[4294967296,4294967296],"data_offsets":[0,4]}}`, 4), `safetensors: bad file: tensor "a": shape [4294967296 4294967296] overflows`},
		{"past the data", withHeader(`{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}`, 4), `safetensors: bad file: tensor "a": data_offsets [0,8] outside the 4 data bytes`},
		{"reversed", withHeader(`{"a":{"dtype":"F32","shape":[0],"data_offsets":[4,0]}}`, 4), `safetensors: bad file: tensor "a": data_offsets [4,0] outside the 4 data bytes`},
		{"size mismatch", withHeader(`{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,4]}}`, 8), `safetensors: bad file: tensor "a": F32[2] needs 8 bytes, data_offsets give 4`},
		{"one offset", withHeader(`{"a":{"dtype":"F32","shape":[1],"data_offsets":[4]}}`, 8), `safetensors: bad file: tensor "a": data_offsets needs 2 values, has 1`},
		{"no shape", withHeader(`{"a":{"dtype":"F32","data_offsets":[0,4]}}`, 4), `safetensors: bad file: tensor "a": no shape`},
		{"unknown key", withHeader(`{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4],"x":1}}`, 4), `safetensors: bad file: tensor "a": json: unknown field "x"`},
		{"overlap", withHeader(`{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}`, 8), `safetensors: bad file: tensors "a" and "b" overlap`},
		{"bad metadata", withHeader(`{"__metadata__":{"a":1}}`, 0), "safetensors: bad file: __metadata__: json: cannot unmarshal number into Go value of type string"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := open(bytes.NewReader(tc.file), int64(len(tc.file)))
			if err == nil || err.Error() != tc.want {
				t.Fatalf("error = %v\nwant    %s", err, tc.want)
			}
			if !errors.Is(err, ErrFormat) {
				t.Errorf("%v does not wrap ErrFormat", err)
			}
		})
	}
}

func TestOpenNamesPath(t *testing.T) {
	path := filepath.Join(t.TempDir(), "bad.safetensors")
	os.WriteFile(path, []byte("tiny"), 0o644)
	_, err := Open(path)
	if err == nil || !strings.HasSuffix(err.Error(), "("+path+")") {
		t.Fatalf("error %v does not name the file", err)
	}
}

// FuzzOpen: any bytes parse or fail cleanly, never panic, never read outside the file,
// and every tensor of an accepted header can be read.
func FuzzOpen(f *testing.F) {
	good, _ := Encode([]Tensor{FromFloat32("w", F16, []int64{2, 2}, []float32{1, 2, 3, 4}),
		FromFloat32("b", BF16, []int64{2}, []float32{1, 2})}, map[string]string{"format": "pt"})
	f.Add(good)
	f.Add(good[:len(good)-1])
	f.Add(withHeader(`{"a":{"dtype":"F32","shape":[4294967296,4294967296],"data_offsets":[0,4]}}`, 4))
	f.Fuzz(func(t *testing.T, b []byte) {
		sf, err := open(bytes.NewReader(b), int64(len(b)))
		if err != nil {
			return
		}
		for _, ti := range sf.Tensors {
			if 8+int64(len(b)) < ti.End {
				t.Fatalf("tensor %q ends past the file", ti.Name)
			}
			if ti.DType.Float() {
				if _, err := sf.Float32(ti.Name); err != nil {
					t.Fatalf("accepted tensor %q unreadable: %v", ti.Name, err)
				}
			}
		}
	})
}
