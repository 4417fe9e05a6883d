package tests

import (
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

// TestSIGHUPReloadsConfig: SIGHUP re-reads --config all or nothing; a valid file's
// pose settings apply at once, a broken one is reported with line:column and the
// engine keeps running on the previous config.
func TestSIGHUPReloadsConfig(t *testing.T) {
	dir := t.TempDir()
	cfg := filepath.Join(dir, "show.yaml")
	write := func(body string) {
		t.Helper()
		if err := os.WriteFile(cfg, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("pose:\n  smoothing: true\n")
	eng := startEngine(t, "run", "--config", cfg, "--osc-out", discardAddr)
	eng.waitLog(t, 0, "engine running", readyWait)

	write("pose:\n  smoothing: false\n  min_keypoint_score: 0.4\n  tracker: keypoint\n  min_person_score: 0.3\noutputs:\n  shm: [reload-test]\n")
	from := eng.mark()
	eng.signal(t, syscall.SIGHUP)
	// What is live is applied and named; what only applies at start is named as needing a restart.
	eng.waitLog(t, from, `msg="config reload: pose settings applied" fields="[smoothing min_keypoint_score]"`, readyWait)
	eng.waitLog(t, from, `restart the engine to apply them" section=pose fields="[min_person_score tracker]"`, readyWait)
	eng.waitLog(t, from, `section changed; restart the engine to apply it" section=outputs fields=[shm]`, readyWait)

	write("pose:\n  smoothng: false\n")
	from = eng.mark()
	eng.signal(t, syscall.SIGHUP)
	eng.waitLog(t, from, "line 2, column 3: field smoothng not found", readyWait)
	if !eng.running() {
		t.Fatal("engine exited after a broken config reload")
	}
}
