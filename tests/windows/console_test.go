//go:build linux

package windows

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestWineConsoleCtrlC stops the engine the way Ctrl-C in a Windows console does:
// GenerateConsoleCtrlEvent(CTRL_C_EVENT) from another process on the same console
// (winpeer ctrl-c, under wineconsole, which needs the Xvfb display). The engine must
// exit 0 with its TouchDesigner shared memory released. (Under wine 8, CTRL_BREAK_EVENT
// to a process group answers "Invalid handle", and a process started from a pipe has
// no console at all: TestWineRun sends SIGINT, which wine turns into CTRL_C_EVENT.)
func TestWineConsoleCtrlC(t *testing.T) {
	r := needRig(t)
	if os.Getenv("DISPLAY") == "" {
		t.Fatal("wineconsole needs a display: make test-windows runs the tests under xvfb-run")
	}
	dir := t.TempDir()
	out, stop := filepath.Join(dir, "console.log"), filepath.Join(dir, "stop")
	td := fmt.Sprintf("vividconsole%d", os.Getpid())
	cmd := exec.Command(r.wine, "wineconsole", filepath.Join(r.dir, "winpeer.exe"), "ctrl-c",
		"--out", r.winPath(out), "--stop", r.winPath(stop), "--gone", td, "--",
		filepath.Join(r.dir, "vivid-ml-engine.exe"), "run", "--offline", "--cache-dir", r.cache(),
		"--osc-out", addr(freeUDPPort(t)), "--osc-in", addr(freeUDPPort(t)), "--td-shm", td+":input")
	peer := start(t, cmd)
	read := func() string { b, _ := os.ReadFile(out); return string(b) }
	for deadline := time.Now().Add(60 * time.Second); !strings.Contains(read(), "TouchDesigner shared memory ready"); time.Sleep(100 * time.Millisecond) {
		if time.Now().After(deadline) || peer.exited() {
			t.Fatalf("engine not running on the console (peer exited: %v)\n%s\n%s", peer.exited(), read(), peer)
		}
	}
	if err := os.WriteFile(stop, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	var result string
	for deadline := time.Now().Add(30 * time.Second); result == ""; time.Sleep(100 * time.Millisecond) {
		for _, l := range strings.Split(read(), "\n") {
			if strings.HasPrefix(l, "RESULT ") {
				result = strings.TrimSpace(l)
			}
		}
		if result == "" && time.Now().After(deadline) {
			t.Fatalf("no RESULT line\n%s", read())
		}
	}
	t.Logf("%s", result)
	if !strings.HasPrefix(result, "RESULT exit=0 ") || !strings.HasSuffix(result, "still_open=") {
		t.Fatalf("want exit 0 and nothing left open, got %q\n%s", result, read())
	}
	if !strings.Contains(read(), "msg=stopping") {
		t.Fatalf("engine did not drain:\n%s", read())
	}
}
