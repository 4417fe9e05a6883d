//go:build cgo && linux

package onnx

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestAPITableSlots checks the OrtApi slots device_linux.go uses against the header
// onnxruntime_go ships (append-only across ONNX Runtime versions).
func TestAPITableSlots(t *testing.T) {
	out, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", "github.com/yalue/onnxruntime_go").Output()
	if err != nil {
		t.Skipf("module dir: %v", err)
	}
	hdr, err := os.ReadFile(filepath.Join(strings.TrimSpace(string(out)), "onnxruntime_c_api.h"))
	if err != nil {
		t.Skipf("header: %v", err)
	}
	body := string(hdr)
	body = body[strings.Index(body, "struct OrtApi {"):]
	body = regexp.MustCompile(`(?s)/\*.*?\*/`).ReplaceAllString(body, "")
	body = regexp.MustCompile(`//[^\n]*`).ReplaceAllString(body, "")
	body = body[:strings.Index(body, "\n};")]
	re := regexp.MustCompile(`ORT_API2_STATUS\(\s*(\w+)|ORT_CLASS_RELEASE2?\(\s*(\w+)|ORT_API_CALL\s*\*\s*(\w+)\s*\)|ORT_API_T\(\s*[^,]+,\s*(\w+)`)
	var slots []string
	for _, m := range re.FindAllStringSubmatch(body, -1) {
		switch {
		case m[1] != "":
			slots = append(slots, m[1])
		case m[2] != "":
			slots = append(slots, "Release"+m[2])
		case m[3] != "":
			slots = append(slots, m[3])
		default:
			slots = append(slots, m[4])
		}
	}
	want := map[string]int{"CreateStatus": 0, "GetErrorMessage": 2, "CreateTensorWithDataAsOrtValue": 49,
		"CreateMemoryInfo": 68, "ReleaseStatus": 93, "ReleaseMemoryInfo": 94, "ReleaseValue": 96}
	for name, slot := range want {
		if slot >= len(slots) || slots[slot] != name {
			t.Errorf("slot %d is %q, device_linux.go uses it as %s", slot, slots[min(slot, len(slots)-1)], name)
		}
	}
}

// TestDeviceIOWithoutCUDA binds the API table of the real library (a status round
// trip) and, with no CUDA runtime here, reports ErrNoDeviceIO instead of failing.
func TestDeviceIOWithoutCUDA(t *testing.T) {
	initORT(t)
	if err := apiOpen(); err != nil {
		t.Fatalf("api table: %v", err)
	}
	if _, err := exec.LookPath("nvidia-smi"); err == nil {
		t.Skip("a GPU machine: covered by the GPU check")
	}
	if err := devOpen(0); !errors.Is(err, ErrNoDeviceIO) {
		t.Fatalf("devOpen = %v, want ErrNoDeviceIO", err)
	}
}
