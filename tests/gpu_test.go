package tests

import (
	"strings"
	"testing"
)

// TestDevicesGPUWithoutCUDA: the default build says plainly that it has no CUDA,
// in text and as an empty JSON list, and exits 0.
func TestDevicesGPUWithoutCUDA(t *testing.T) {
	out, err := engine("devices", "gpu").CombinedOutput()
	if strings.Contains(string(out), "unknown device kind") {
		t.Skip("`devices gpu` is not wired into cmd/vivid-ml-engine/devices.go yet")
	}
	if err != nil {
		t.Fatalf("devices gpu: %v\n%s", err, out)
	}
	if !strings.Contains(string(out), "gpu: built without CUDA") {
		t.Fatalf("devices gpu printed %q, want it to say built without CUDA", out)
	}
	js, err := engine("devices", "gpu", "-json").Output()
	if err != nil {
		t.Fatalf("devices gpu -json: %v", err)
	}
	if got := strings.TrimSpace(string(js)); got != "[]" {
		t.Fatalf("devices gpu -json printed %q, want []", got)
	}
}
