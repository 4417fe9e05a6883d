package sdconv

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/vivid-ml/vivid-ml-engine/models/safetensors"
)

// The single files diffusers' script made hold the same tensors as its folders under
// SGM names (q/k/v fused into in_proj, text_projection transposed). To keep the
// repository small they are committed as a recipe: the file's exact header plus, per
// tensor, which folder tensors its bytes are; rebuildSingle puts them back together and
// checks the sha256 of diffusers' original file.

type recipePart struct {
	File      string `json:"file"`
	Tensor    string `json:"tensor"`
	Transpose bool   `json:"transpose,omitempty"`
}

type recipe struct {
	SHA256 string                  `json:"sha256"`
	Header string                  `json:"header"`
	Parts  map[string][]recipePart `json:"parts"`
}

func tensorBytes(t testing.TB, path, name string) []byte {
	t.Helper()
	f, err := safetensors.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	b, err := f.Bytes(name)
	if err != nil {
		t.Fatal(err)
	}
	return slices.Clone(b)
}

func transposeBytes(b []byte, rows, cols int64) []byte {
	out := make([]byte, len(b))
	for r := range rows {
		for c := range cols {
			copy(out[(c*rows+r)*4:(c*rows+r+1)*4], b[(r*cols+c)*4:(r*cols+c+1)*4])
		}
	}
	return out
}

// rebuildSingle writes the single file of recipe path (relative to refDir) into dir.
func rebuildSingle(t testing.TB, recipePath, dst string) {
	t.Helper()
	data, err := os.ReadFile(recipePath)
	if err != nil {
		t.Fatal(err)
	}
	var r recipe
	if err := json.Unmarshal(data, &r); err != nil {
		t.Fatal(err)
	}
	h, err := safetensors.ParseHeader([]byte(r.Header), 1<<40)
	if err != nil {
		t.Fatal(err)
	}
	out := make([]byte, 8+len(r.Header)+int(h.DataSize))
	binary.LittleEndian.PutUint64(out, uint64(len(r.Header)))
	copy(out[8:], r.Header)
	base := 8 + len(r.Header)
	for _, ti := range h.Tensors {
		var b []byte
		for _, p := range r.Parts[ti.Name] {
			pb := tensorBytes(t, filepath.Join(filepath.Dir(recipePath), p.File), p.Tensor)
			if p.Transpose {
				pb = transposeBytes(pb, ti.Shape[1], ti.Shape[0])
			}
			b = append(b, pb...)
		}
		if int64(len(b)) != ti.End-ti.Begin {
			t.Fatalf("recipe %s: %s rebuilt to %d bytes, want %d", recipePath, ti.Name, len(b), ti.End-ti.Begin)
		}
		copy(out[base+int(ti.Begin):], b)
	}
	if s := sha256.Sum256(out); hex.EncodeToString(s[:]) != r.SHA256 {
		t.Fatalf("rebuilt %s differs from diffusers' file (sha256 %x, want %s)", dst, s, r.SHA256)
	}
	if err := os.WriteFile(dst, out, 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestMakeRecipe writes the recipes from diffusers' files in $VIVID_SDCONV_RECIPE_SRC
// (the script's output folder) into testdata/diffusers (run once, by hand).
func TestMakeRecipe(t *testing.T) {
	src := os.Getenv("VIVID_SDCONV_RECIPE_SRC")
	if src == "" {
		t.Skip("set VIVID_SDCONV_RECIPE_SRC to the script's output folder")
	}
	for _, tc := range []struct{ single, folder string }{{"sdxl-single.safetensors", "sdxl"}, {"sd21-single.safetensors", "sd21"}} {
		// index every folder tensor by the sha256 of its bytes
		index := map[string]recipePart{}
		files, _ := filepath.Glob(filepath.Join(src, tc.folder, "*", "*.safetensors"))
		for _, fp := range files {
			f, err := safetensors.Open(fp)
			if err != nil {
				t.Fatal(err)
			}
			rel, _ := filepath.Rel(src, fp)
			for _, ti := range f.Tensors {
				b, _ := f.Bytes(ti.Name)
				s := sha256.Sum256(b)
				index[hex.EncodeToString(s[:])] = recipePart{File: filepath.ToSlash(rel), Tensor: ti.Name}
			}
			f.Close()
		}
		look := func(b []byte) (recipePart, bool) {
			s := sha256.Sum256(b)
			p, ok := index[hex.EncodeToString(s[:])]
			return p, ok
		}
		whole, err := os.ReadFile(filepath.Join(src, tc.single))
		if err != nil {
			t.Fatal(err)
		}
		n := binary.LittleEndian.Uint64(whole)
		r := recipe{Header: string(whole[8 : 8+n]), Parts: map[string][]recipePart{}}
		s := sha256.Sum256(whole)
		r.SHA256 = hex.EncodeToString(s[:])
		f, err := safetensors.Open(filepath.Join(src, tc.single))
		if err != nil {
			t.Fatal(err)
		}
		for _, ti := range f.Tensors {
			b, _ := f.Bytes(ti.Name)
			if p, ok := look(b); ok {
				r.Parts[ti.Name] = []recipePart{p}
				continue
			}
			if len(ti.Shape) == 2 {
				if p, ok := look(transposeBytes(b, ti.Shape[0], ti.Shape[1])); ok {
					p.Transpose = true
					r.Parts[ti.Name] = []recipePart{p}
					continue
				}
			}
			third := len(b) / 3
			var parts []recipePart
			for i := range 3 {
				if p, ok := look(b[i*third : (i+1)*third]); ok && len(b)%3 == 0 {
					parts = append(parts, p)
				}
			}
			if len(parts) != 3 {
				t.Fatalf("%s: tensor %s is no folder tensor", tc.single, ti.Name)
			}
			r.Parts[ti.Name] = parts
		}
		f.Close()
		js, _ := json.MarshalIndent(r, "", " ")
		if err := os.WriteFile(filepath.Join(refDir, tc.single+".recipe.json"), js, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}
