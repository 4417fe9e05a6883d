package tests

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// refSDXL is the tiny SDXL checkpoint diffusers made (engine/diffusion/sdconv/testdata).
const refSDXL = "../engine/diffusion/sdconv/testdata/diffusers/sdxl"

// TestModelsConvert drives `models convert`: a diffusers folder converts into the
// ONNX layout with a sidecar; the same command again verifies and reuses it; other
// options (a LoRA) or a damaged output convert again; bad input is a clear error.
func TestModelsConvert(t *testing.T) {
	out := filepath.Join(t.TempDir(), "onnx")
	first := string(diffRunOK(t, engine("models", "convert", refSDXL, out, "--log-level", "warn")))
	if !strings.Contains(first, "converted ") {
		t.Fatalf("first convert said %q", first)
	}
	for _, f := range []string{"unet/model.onnx", "text_encoder_2/model.onnx", "vae_decoder/model.onnx", "taesd_encoder/model.onnx", "conversion.json"} {
		if _, err := os.Stat(filepath.Join(out, f)); err != nil {
			t.Error(err)
		}
	}
	if again := string(diffRunOK(t, engine("models", "convert", refSDXL, out))); !strings.Contains(again, "nothing to do") {
		t.Errorf("second convert said %q, want it to reuse the folder", again)
	}
	lora := filepath.Join(refSDXL, "..", "lora", "kohya.safetensors") + ":0.7"
	if withLoRA := string(diffRunOK(t, engine("models", "convert", refSDXL, out, "--lora", lora, "--log-level", "warn"))); !strings.Contains(withLoRA, "1 LoRAs") {
		t.Errorf("convert with a LoRA said %q", withLoRA)
	}
	os.WriteFile(filepath.Join(out, "unet", "model.onnx"), []byte("broken"), 0o644)
	if fixed := string(diffRunOK(t, engine("models", "convert", refSDXL, out, "--lora", lora, "--log-level", "warn"))); !strings.Contains(fixed, "converted ") {
		t.Errorf("convert over a damaged folder said %q", fixed)
	}
	// --parts unet: only the UNet, recorded in the sidecar (a full conversion is not reused for it)
	part := filepath.Join(t.TempDir(), "unet-only")
	if msg := string(diffRunOK(t, engine("models", "convert", refSDXL, part, "--parts", "unet", "--log-level", "warn"))); !strings.Contains(msg, "converted ") {
		t.Errorf("--parts unet said %q", msg)
	}
	if ents, _ := os.ReadDir(part); !hasDir(ents, "unet") || hasDir(ents, "vae_decoder") {
		t.Errorf("--parts unet wrote %v", ents)
	}
	if again := string(diffRunOK(t, engine("models", "convert", refSDXL, part, "--parts", "unet"))); !strings.Contains(again, "nothing to do") {
		t.Errorf("second --parts unet said %q", again)
	}
	if msg, err := engine("models", "convert", refSDXL, part, "--parts", "unte").CombinedOutput(); err == nil || !strings.Contains(string(msg), `no part "unte"`) {
		t.Errorf("--parts unte: %v\n%s", err, msg)
	}
	cmd := engine("models", "convert", filepath.Join(t.TempDir(), "nope.safetensors"), out)
	msg, err := cmd.CombinedOutput()
	if err == nil || !strings.Contains(string(msg), "is not a file, a folder or a model name") {
		t.Errorf("missing source: %v\n%s", err, msg)
	}
}

func hasDir(ents []os.DirEntry, name string) bool {
	for _, e := range ents {
		if e.IsDir() && e.Name() == name {
			return true
		}
	}
	return false
}
