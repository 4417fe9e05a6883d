package tests

import (
	"bytes"
	"encoding/json"
	"hash/crc32"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/vivid-ml/vivid-ml-engine/output/shm"
)

// shmDir isolates segments in a temp dir for the engine and every reader.
func shmDir(t *testing.T) string {
	d := t.TempDir()
	t.Setenv("VIVID_SHM_DIR", d)
	return d
}

// startShmWriter runs `shm write NAME` (checksummed test pattern, full speed unless --fps)
// under the harness.
func startShmWriter(t *testing.T, name, size string, extra ...string) *proc {
	t.Helper()
	return startEngine(t, append([]string{"shm", "write", name, "--size", size}, extra...)...)
}

// shmRead runs `shm read NAME --verify` and decodes its JSON line.
func shmRead(t *testing.T, name string, extra ...string) map[string]any {
	t.Helper()
	out, stderr, err := runCLI(t, time.Minute, engine(append([]string{"shm", "read", name, "--verify", "--timeout", "20s"}, extra...)...))
	if err != nil {
		t.Fatalf("shm read: %v: %s\n%s", err, out, stderr)
	}
	var m map[string]any
	if err := json.Unmarshal(out, &m); err != nil {
		t.Fatalf("shm read output %q: %v", out, err)
	}
	return m
}

// TestShmReadersInOtherProcesses: the engine writes checksummed frames at full speed;
// a C reader (include/vivid_shm.h), the Python example and `shm read --verify` verify
// the frames in their own processes. A clean stop removes the segment.
func TestShmReadersInOtherProcesses(t *testing.T) {
	gcc := needTool(t, "gcc")
	python := needTool(t, "python3")
	dir := shmDir(t)
	checker := filepath.Join(t.TempDir(), "vivid_shm_check")
	if out, err := exec.Command(gcc, "-O2", "-Wall", "-Wextra", "-Werror", "-std=c99", "-D_POSIX_C_SOURCE=200809L",
		"-D_DEFAULT_SOURCE", "-I../include", "-o", checker, "testdata/vivid_shm_check.c").CombinedOutput(); err != nil {
		t.Fatalf("gcc: %v\n%s", err, out)
	}
	w := startShmWriter(t, "e2e", "320x180")

	var wg sync.WaitGroup
	var cOut []byte
	var cErr error
	wg.Add(1)
	go func() {
		defer wg.Done()
		cOut, cErr = exec.Command(checker, "e2e", "300").CombinedOutput()
	}()
	for i := 0; i < 5; i++ {
		m := shmRead(t, "e2e")
		if m["pattern_ok"] != true || m["width"] != 320.0 || m["height"] != 180.0 {
			t.Fatalf("shm read: %v", m)
		}
	}
	png := filepath.Join(t.TempDir(), "frame.png")
	if m := shmRead(t, "e2e", "--out", png); m["out"] != png {
		t.Fatalf("shm read --out: %v", m)
	}
	if st, err := os.Stat(png); err != nil || st.Size() == 0 {
		t.Fatalf("png: %v", err)
	}

	ppm := filepath.Join(t.TempDir(), "frame.ppm")
	out, err := exec.Command(python, "../examples/python/vivid_shm_read.py", "e2e", "--out", ppm).Output()
	if err != nil {
		t.Fatalf("python reader: %v: %s", err, out)
	}
	var py struct {
		Width, Height, Stride int
		Frame                 uint64
		CRC32                 uint32
	}
	if err := json.Unmarshal(out, &py); err != nil {
		t.Fatalf("python output %q: %v", out, err)
	}
	want := make([]byte, 4*320*180)
	shm.FillPattern(want, py.Frame)
	if py.Width != 320 || py.Height != 180 || py.CRC32 != crc32.ChecksumIEEE(want) {
		t.Fatalf("python read %s; want crc %d for frame %d", out, crc32.ChecksumIEEE(want), py.Frame)
	}
	if hdr, err := os.ReadFile(ppm); err != nil || !bytes.HasPrefix(hdr, []byte("P6\n320 180\n255\n")) || len(hdr) != 15+320*180*3 {
		t.Fatalf("ppm: %v (%d bytes)", err, len(hdr))
	}

	wg.Wait()
	if cErr != nil || !strings.Contains(string(cOut), `"frames":300,"torn":0`) {
		t.Fatalf("C reader: %v: %s", cErr, cOut)
	}
	t.Logf("C reader: %s", bytes.TrimSpace(cOut))

	if err := w.stop(); err != nil {
		t.Fatalf("writer exit: %v", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "vivid-shm.e2e")); !os.IsNotExist(err) {
		t.Fatalf("segment left after a clean exit: %v", err)
	}
}

// TestShmResizeMidStreamC: the engine changes the frame size every 40 frames while
// the C reader verifies 300 frames: it must follow the generations, never tear.
func TestShmResizeMidStreamC(t *testing.T) {
	gcc := needTool(t, "gcc")
	shmDir(t)
	checker := filepath.Join(t.TempDir(), "vivid_shm_check")
	if out, err := exec.Command(gcc, "-O2", "-std=c99", "-D_POSIX_C_SOURCE=200809L", "-D_DEFAULT_SOURCE",
		"-I../include", "-o", checker, "testdata/vivid_shm_check.c").CombinedOutput(); err != nil {
		t.Fatalf("gcc: %v\n%s", err, out)
	}
	startShmWriter(t, "resize", "256x144", "--resize-every", "40")
	out, err := exec.Command(checker, "resize", "300").CombinedOutput()
	var rep struct{ Frames, Torn, Generations int }
	if err != nil || json.Unmarshal(bytes.TrimSpace(out), &rep) != nil || rep.Frames != 300 || rep.Torn != 0 || rep.Generations < 2 {
		t.Fatalf("C reader: %v: %s", err, out)
	}
	t.Logf("C reader: %s", bytes.TrimSpace(out))
}

// TestShmCrashReclaim: a writer killed with SIGKILL leaves its segment; the next
// writer of that name takes it over as a new generation.
func TestShmCrashReclaim(t *testing.T) {
	dir := shmDir(t)
	w := startShmWriter(t, "crash", "64x32")
	shmRead(t, "crash")
	if code, _ := runToExit(t, nil, time.Minute, "shm", "write", "crash"); code == 0 {
		t.Fatal("a second writer started while the first runs")
	}
	w.signal(t, syscall.SIGKILL)
	_ = w.wait(t, stopGrace) // killed: the exit status says so
	if _, err := os.Stat(filepath.Join(dir, "vivid-shm.crash")); err != nil {
		t.Fatalf("killed writer's segment: %v", err)
	}
	startShmWriter(t, "crash", "48x16")
	deadline := time.Now().Add(20 * time.Second)
	for {
		m := shmRead(t, "crash")
		if m["generation"] == 2.0 && m["width"] == 48.0 && m["pattern_ok"] == true {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("not taken over: %v", m)
		}
	}
}
