package sdconv

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func TestSidecar(t *testing.T) {
	src, out := t.TempDir(), t.TempDir()
	writeTinyFolder(t, src)
	o := Options{}
	res, err := Convert(src, out, o)
	if err != nil {
		t.Fatal(err)
	}
	if err := WriteSidecar(out, res, o); err != nil {
		t.Fatal(err)
	}
	if err := UpToDate(src, out, o); err != nil {
		t.Fatalf("fresh conversion not current: %v", err)
	}
	if err := UpToDate(src, out, Options{FP16: true}); !errors.Is(err, ErrStale) {
		t.Errorf("other options: %v", err)
	}
	if err := UpToDate(t.TempDir(), out, o); !errors.Is(err, ErrStale) {
		t.Errorf("other source: %v", err)
	}
	if err := UpToDate(src, out, Options{Parts: []string{"unet"}}); !errors.Is(err, ErrStale) {
		t.Errorf("other parts: %v", err)
	}
	partial, po := t.TempDir(), Options{Parts: []string{"unet"}}
	pres, err := Convert(src, partial, po)
	if err != nil {
		t.Fatal(err)
	}
	if err := WriteSidecar(partial, pres, po); err != nil {
		t.Fatal(err)
	}
	if err := UpToDate(src, partial, Options{Parts: []string{"unet", "unet"}}); err != nil {
		t.Errorf("same parts: %v", err)
	}
	if err := UpToDate(src, partial, o); !errors.Is(err, ErrStale) {
		t.Errorf("a partial conversion is current for all parts: %v", err)
	}
	if _, err := Convert(src, t.TempDir(), Options{Parts: []string{"unte"}}); err == nil || !strings.Contains(err.Error(), `no part "unte" (it has text_encoder, text_encoder_2, unet, vae_encoder, vae_decoder)`) {
		t.Errorf("unknown part: %v", err)
	}
	// a flipped byte in a model is caught, naming the file.
	p := filepath.Join(out, "unet", "model.onnx")
	b, _ := os.ReadFile(p)
	b[len(b)/2] ^= 1
	os.WriteFile(p, b, 0o644)
	if _, err := Verify(out); !errors.Is(err, ErrCorrupt) || !strings.Contains(err.Error(), "unet/model.onnx has sha256") {
		t.Errorf("corrupt model: %v", err)
	}
	// so is an edited sidecar.
	sp := filepath.Join(out, SidecarName)
	sb, _ := os.ReadFile(sp)
	os.WriteFile(sp, []byte(strings.Replace(string(sb), `"fp16": false`, `"fp16": true`, 1)), 0o644)
	if _, err := Verify(out); !errors.Is(err, ErrCorrupt) || !strings.Contains(err.Error(), "check field") {
		t.Errorf("edited sidecar: %v", err)
	}
}

// TestSidecarExternal: the hashes Convert computes while writing (a model's
// model.onnx_data included) and while reading the sources are the files' own.
func TestSidecarExternal(t *testing.T) {
	src, out := t.TempDir(), t.TempDir()
	writeTinyFolder(t, src)
	old := ExternalThreshold
	ExternalThreshold = 1
	defer func() { ExternalThreshold = old }()
	res, err := Convert(src, out, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Hashes) != len(res.Models) || len(res.SourceHashes) != len(res.Sources) {
		t.Fatalf("%d hashes for %d models, %d source hashes for %d sources", len(res.Hashes), len(res.Models), len(res.SourceHashes), len(res.Sources))
	}
	for _, h := range append(res.SourceHashes, res.Hashes...) {
		p := h.Path
		if !filepath.IsAbs(p) {
			p = filepath.Join(out, p)
		}
		sum, n, err := HashFile(p)
		if err != nil || sum != h.SHA256 || n != h.Size {
			t.Errorf("%s: computed %s (%d bytes), the file has %s (%d bytes, %v)", h.Path, h.SHA256, h.Size, sum, n, err)
		}
	}
	if !slices.Contains(res.Models, "unet/model.onnx_data") {
		t.Errorf("models %v: no external data", res.Models)
	}
	if err := WriteSidecar(out, res, Options{}); err != nil {
		t.Fatal(err)
	}
	if err := UpToDate(src, out, Options{}); err != nil {
		t.Errorf("not current: %v", err)
	}
}
