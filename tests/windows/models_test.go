//go:build linux

package windows

import (
	"strings"
	"testing"
)

// TestWineFetchNeedsNPM: npm is a Linux program here and wine cannot start it, so a
// Windows engine with an empty cache must say so and how to provision the cache from
// another machine (what make test-windows does: models fetch --platform windows/amd64).
func TestWineFetchNeedsNPM(t *testing.T) {
	r := needRig(t)
	dir := r.driveC(t, "vivid empty cache")
	out, err := output(r.engine("models", "fetch", "onnxruntime", "--cache-dir", r.winPath(dir)), true)
	if err == nil {
		t.Fatalf("fetch without npm succeeded:\n%s", out)
	}
	for _, want := range []string{`exec: "npm": executable file not found in %PATH%`,
		"models fetch --platform windows/amd64 --cache-dir DIR onnxruntime"} {
		if !strings.Contains(string(out), want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
}
