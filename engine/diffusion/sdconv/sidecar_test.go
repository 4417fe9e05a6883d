package sdconv

import (
	"errors"
	"os"
	"path/filepath"
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
