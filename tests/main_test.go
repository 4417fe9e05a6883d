// Package tests drives the real vivid-ml-engine binary against real peers
// (oscdump/oscsend, ffmpeg, TensorFlow.js in Node, ONNX Runtime).
package tests

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// binPath is the engine binary under test: $VIVID_BIN, or one built in TestMain.
var binPath string

func TestMain(m *testing.M) {
	binPath = os.Getenv("VIVID_BIN")
	var tmp string
	if binPath == "" {
		var err error
		tmp, err = os.MkdirTemp("", "vivid-e2e-")
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		binPath = filepath.Join(tmp, "vivid-ml-engine")
		cmd := exec.Command("go", "build", "-o", binPath, "../cmd/vivid-ml-engine")
		cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
		if err := cmd.Run(); err != nil {
			fmt.Fprintln(os.Stderr, "building engine:", err)
			os.Exit(1)
		}
	}
	code := m.Run()
	if tmp != "" {
		os.RemoveAll(tmp)
	}
	os.Exit(code)
}

// strict reports whether missing peers (oscdump, ffmpeg, node…) fail tests
// instead of skipping them. `make test` and CI set VIVID_E2E_STRICT=1.
func strict() bool { return os.Getenv("VIVID_E2E_STRICT") != "" }

// needTool skips (or, under strict, fails) the test when name is not on PATH.
func needTool(t *testing.T, name string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		if strict() {
			t.Fatalf("%s not found on PATH (install it: .ci/run lists the packages)", name)
		}
		t.Skipf("%s not found on PATH", name)
	}
	return p
}

// engine returns a command running the engine binary with args.
func engine(args ...string) *exec.Cmd {
	return exec.Command(binPath, args...)
}
