package tests

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// waitLog waits until the engine's log contains want.
func waitLog(t *testing.T, log *syncBuffer, want string) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for !strings.Contains(log.String(), want) {
		if time.Now().After(deadline) {
			t.Fatalf("log never said %q:\n%s", want, log.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

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
	var log syncBuffer
	cmd := engine("run", "--config", cfg, "--osc-out", "127.0.0.1:9", "--osc-in", "127.0.0.1:0")
	cmd.Stderr = &log
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() {
		_ = cmd.Process.Signal(os.Interrupt)
		_ = cmd.Wait()
	}()
	waitLog(t, &log, "engine running")

	write("pose:\n  smoothing: false\n  min_keypoint_score: 0.4\noutputs:\n  shm: [reload-test]\n")
	if err := cmd.Process.Signal(syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	waitLog(t, &log, "config reload: pose settings applied")
	waitLog(t, &log, `section changed; restart the engine to apply it" section=outputs`)

	write("pose:\n  smoothng: false\n")
	if err := cmd.Process.Signal(syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	waitLog(t, &log, "line 2, column 3: field smoothng not found")
	if cmd.ProcessState != nil {
		t.Fatal("engine exited after a broken config reload")
	}
	if err := cmd.Process.Signal(syscall.Signal(0)); err != nil {
		t.Fatalf("engine not running after a broken reload: %v", err)
	}
}
