package tiny

import (
	"bytes"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/vivid-ml/vivid-ml-engine/engine/convert"
)

var modelFiles = []string{
	"text_encoder/model.onnx", "text_encoder_2/model.onnx", "unet/model.onnx",
	"vae_encoder/model.onnx", "vae_decoder/model.onnx", "taesd_encoder/model.onnx", "taesd_decoder/model.onnx",
}

func TestWriteReproducible(t *testing.T) {
	a, b, c := t.TempDir(), t.TempDir(), t.TempDir()
	for _, d := range []string{a, b} {
		if err := Write(d, Options{Seed: 1, TAESD: true}); err != nil {
			t.Fatal(err)
		}
	}
	if err := Write(c, Options{Seed: 2, TAESD: true}); err != nil {
		t.Fatal(err)
	}
	total := int64(0)
	for _, f := range append(modelFiles, "tokenizer/vocab.json", "tokenizer_2/merges.txt", "model_index.json") {
		ba, err := os.ReadFile(filepath.Join(a, f))
		if err != nil {
			t.Fatal(err)
		}
		bb, _ := os.ReadFile(filepath.Join(b, f))
		bc, _ := os.ReadFile(filepath.Join(c, f))
		if !bytes.Equal(ba, bb) {
			t.Errorf("%s differs between two writes with the same seed", f)
		}
		if filepath.Ext(f) == ".onnx" && bytes.Equal(ba, bc) {
			t.Errorf("%s is identical for seeds 1 and 2", f)
		}
		total += int64(len(ba))
	}
	if total > 8<<20 {
		t.Errorf("tiny models total %d bytes, want a few MB", total)
	}
}

// TestCheckModel validates every model with the ONNX reference checker (Debian python3-onnx).
func TestCheckModel(t *testing.T) {
	py := "/usr/bin/python3"
	if err := exec.Command(py, "-c", "import onnx").Run(); err != nil {
		if os.Getenv("VIVID_E2E_STRICT") != "" {
			t.Fatalf("python3 with onnx not available: %v", err)
		}
		t.Skipf("python3 with onnx not available: %v", err)
	}
	var paths []string
	for _, fp16 := range []bool{false, true} {
		dir := t.TempDir()
		if err := Write(dir, Options{Seed: 7, FP16: fp16, TAESD: true}); err != nil {
			t.Fatal(err)
		}
		for _, f := range modelFiles {
			paths = append(paths, filepath.Join(dir, f))
		}
	}
	script := "import onnx,sys\nfor p in sys.argv[1:]:\n  onnx.checker.check_model(onnx.load(p), full_check=True)\n"
	if out, err := exec.Command(py, append([]string{"-c", script}, paths...)...).CombinedOutput(); err != nil {
		t.Errorf("onnx checker: %v\n%s", err, out)
	}
}

func TestF32ToF16(t *testing.T) {
	for _, tc := range []struct {
		in   float32
		want uint16
	}{
		{0, 0}, {1, 0x3c00}, {-2, 0xc000}, {65504, 0x7bff}, {1e6, 0x7c00},
		{float32(math.Inf(-1)), 0xfc00}, {5.960464477539063e-08, 0x0001}, {0.333333, 0x3555},
	} {
		if got := convert.Float16(tc.in); got != tc.want {
			t.Errorf("Float16(%v) = %#04x, want %#04x", tc.in, got, tc.want)
		}
	}
}
