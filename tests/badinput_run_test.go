package tests

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// runToEnd runs the engine under the harness with stdin (written frame bytes at a
// time, pace apart, once the source starts) and returns its exit code and log.
func runToEnd(t *testing.T, stdin []byte, pace time.Duration, frame int, args ...string) (int, string) {
	t.Helper()
	cmd := engine(withFreeListeners(args)...)
	w, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	p := startCmd(t, cmd)
	go func() { // paced, so the pose stage sees frames instead of dropping all but the newest
		defer w.Close()
		for len(stdin) > 0 && !p.has("source starting") {
			if !p.running() {
				return
			}
			time.Sleep(20 * time.Millisecond)
		}
		for len(stdin) > 0 {
			n := min(frame, len(stdin))
			if _, err := w.Write(stdin[:n]); err != nil {
				return
			}
			stdin = stdin[n:]
			time.Sleep(pace)
		}
	}()
	if err := p.wait(t, 2*time.Minute); err != nil && p.exitCode() == 0 {
		t.Fatal(err)
	}
	return p.exitCode(), p.String()
}

// TestBadInputStartup: a broken file named on the command line stops `run` before it
// starts, with exit status 1 and an error naming the file.
func TestBadInputStartup(t *testing.T) {
	dir := t.TempDir()
	cfg := filepath.Join(dir, "engine.yaml")
	huge := filepath.Join(dir, "huge.yaml")
	bin := filepath.Join(dir, "bin.yaml")
	for f, body := range map[string][]byte{
		cfg:  []byte("source: {spec: testpattern}\npose: {enabled: false}\nosc_out: {targets: []}\n"),
		huge: bytes.Repeat([]byte("# 10 MB of comments, more than any mapping needs....\n"), 10<<20/50),
		bin:  []byte("rules:\n\x00\x9f\x92\x96"),
	} {
		if err := os.WriteFile(f, body, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for _, c := range []struct{ name, mapping, want string }{
		{"mapping is a directory", dir, "mapping " + dir + ": read " + dir + ": is a directory"},
		{"10 MB mapping", huge, huge + ": file larger than 1048576 bytes"},
		{"binary mapping", bin, bin + ":2:2: invalid UTF-8 byte 0x9f"},
	} {
		t.Run(c.name, func(t *testing.T) {
			code, log := runToEnd(t, nil, 0, 1, "run", "--config", cfg, "--osc-in", fmt.Sprintf("127.0.0.1:%d", freeUDPPort(t)),
				"--mapping", c.mapping, "--frames", "5")
			if code != 1 || !strings.Contains(log, c.want) {
				t.Fatalf("exit %d, want 1 and %q in:\n%s", code, c.want, log)
			}
		})
	}
}

// TestBadInputFrames: odd frame sizes (1x1, 3x5 with a partial last frame, a 641x481
// image) go through pose without errors; an unreadable image is reported by name and
// the engine keeps retrying (and still stops cleanly) instead of exiting.
func TestBadInputFrames(t *testing.T) {
	dir := t.TempDir()
	odd := filepath.Join(dir, "odd.png")
	writeTestPattern(t, odd, 641, 481, 0.5)
	noise := func(n int) []byte {
		b := make([]byte, n)
		for i := range b {
			b[i] = byte(i*7 + i/13)
		}
		return b
	}
	for _, c := range []struct {
		name   string
		source string
		stdin  []byte
		frame  int
		log    string
	}{
		{"stdin 1x1", "stdin:1x1", noise(4 * 20), 4, ""},
		{"stdin 3x5 with a partial last frame", "stdin:3x5", noise(3*5*4*12 + 7), 3 * 5 * 4, "input ended inside a 3x5 frame"},
		{"641x481 image", odd, nil, 1, ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			pose := newUDPSink(t)
			args := []string{"run", "--source", c.source, "--osc-out", pose.addr(), "--osc-in", "off"}
			if c.stdin == nil {
				args = append(args, "--frames", "15") // stdin runs until its end
			}
			code, log := runToEnd(t, c.stdin, 50*time.Millisecond, c.frame, args...)
			if code != 0 || !strings.Contains(log, "pose_errors=0") {
				t.Fatalf("exit %d (want 0, pose_errors=0):\n%s", code, log)
			}
			if c.log != "" && !strings.Contains(log, c.log) {
				t.Fatalf("log lacks %q:\n%s", c.log, log)
			}
			// Paced stdin frames all reach pose; an image source at 30 fps may lose
			// some to newest-wins drops on a loaded machine.
			want := 3
			if c.stdin == nil {
				want = 1
			}
			if !pose.waitPackets(want-1, 5*time.Second) {
				t.Fatalf("%d pose datagrams, want %d or more:\n%s", pose.packets(), want, log)
			}
			t.Logf("%d pose datagrams", pose.packets())
		})
	}

	garbage := filepath.Join(dir, "garbage.png")
	if err := os.WriteFile(garbage, noise(1000), 0o644); err != nil {
		t.Fatal(err)
	}
	// The same unreadable image alone (the source fails and is retried with backoff) and
	// inside a folder of good ones (the bad file is skipped and reported, the rest play).
	folder := filepath.Join(dir, "folder")
	if err := os.Mkdir(folder, 0o755); err != nil {
		t.Fatal(err)
	}
	writeTestPattern(t, filepath.Join(folder, "a.png"), 320, 240, 0.1)
	if err := os.WriteFile(filepath.Join(folder, "b.png"), noise(1000), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ source, bad, then string }{
		{garbage, garbage, "source failed; restarting"},
		{folder, filepath.Join(folder, "b.png"), "skipping unreadable image"},
	} {
		eng := startEngine(t, "run", "--source", c.source, "--osc-in", "off", "--osc-out", fmt.Sprintf("127.0.0.1:%d", freeUDPPort(t)))
		eng.waitLog(t, 0, "load image "+c.bad+": image: unknown format", time.Minute)
		eng.waitLog(t, 0, c.then, 30*time.Second) // not fatal either way
		time.Sleep(200 * time.Millisecond)
		if !eng.running() {
			t.Fatalf("%s: engine exited on an unreadable image:\n%s", c.source, eng)
		}
		eng.cmd.Process.Signal(syscall.SIGTERM)
		<-eng.done
		if eng.err != nil {
			t.Fatalf("%s: exit after SIGTERM: %v\n%s", c.source, eng.err, eng)
		}
	}
}

// TestBadInputCorruptModel: a flipped byte in a cached converted model is named by
// `models verify` and `check --offline`; `run --offline` converts it again from its
// cached source; with the source damaged too, check names the damaged source file and
// `run --offline` fails naming the model.
func TestBadInputCorruptModel(t *testing.T) {
	needPoseModels(t, "movenet-lightning")
	out, err := engine("models", "path", "--offline", "--log-level", "error", "onnxruntime").Output()
	if err != nil {
		t.Fatal(err)
	}
	lib := strings.TrimSpace(string(out))
	home, err := engine("models", "path", "--offline", "--log-level", "error", "movenet-lightning-tfjs").Output()
	if err != nil {
		t.Fatal(err)
	}
	srcDir := filepath.Dir(strings.TrimSpace(string(home))) // CACHE/movenet-lightning-tfjs/4
	cache := t.TempDir()
	copyTree(t, srcDir, filepath.Join(cache, "movenet-lightning-tfjs", "4"))
	onnxPath, err := engine("models", "path", "--offline", "--log-level", "error", "movenet-lightning").Output()
	if err != nil {
		t.Fatal(err)
	}
	copyTree(t, filepath.Dir(strings.TrimSpace(string(onnxPath))), filepath.Join(cache, "movenet-lightning", "4"))
	model := filepath.Join(cache, "movenet-lightning", "4", "model.onnx")
	flip(t, model, 4096)

	_, stderr, code := runEngine(t, "models", "verify", "--cache-dir", cache, "movenet-lightning")
	if code == 0 || !strings.Contains(stderr, model) {
		t.Fatalf("models verify: exit %d, want non-zero naming %s:\n%s", code, model, stderr)
	}
	// The source is intact, so run will convert the model again: check says so, naming the file.
	stdout, _, code := runEngine(t, "check", "--offline", "--cache-dir", cache, "--ort-lib", lib)
	if code != 0 || !strings.Contains(stdout, "ok model movenet-lightning ") || !strings.Contains(stdout, "run converts it again") ||
		!strings.Contains(stdout, model) {
		t.Fatalf("check: exit %d, want 0 and a line naming %s:\n%s", code, model, stdout)
	}
	args := []string{"run", "--offline", "--cache-dir", cache, "--ort-lib", lib, "--source", "testpattern",
		"--osc-in", "off", "--osc-out", fmt.Sprintf("127.0.0.1:%d", freeUDPPort(t)), "--frames", "3"}
	code, log := runToEnd(t, nil, 0, 1, args...)
	if code != 0 || !strings.Contains(log, "msg=converting") || !strings.Contains(log, model) {
		t.Fatalf("run with a corrupt converted model: exit %d, want 0 after converting it again:\n%s", code, log)
	}
	if _, stderr, code := runEngine(t, "models", "verify", "--cache-dir", cache, "movenet-lightning"); code != 0 {
		t.Fatalf("verify after the repair: exit %d\n%s", code, stderr)
	}

	flip(t, model, 4096)
	flip(t, filepath.Join(cache, "movenet-lightning-tfjs", "4", "movenet-lightning.bin"), 1000)
	if _, stderr, code := runEngine(t, "models", "verify", "--cache-dir", cache, "movenet-lightning-tfjs"); code == 0 ||
		!strings.Contains(stderr, "movenet-lightning.bin") {
		t.Fatalf("verify of the damaged source: exit %d, want non-zero naming movenet-lightning.bin:\n%s", code, stderr)
	}
	stdout, _, code = runEngine(t, "check", "--offline", "--cache-dir", cache, "--ort-lib", lib)
	if code != 1 || !strings.Contains(stdout, "error model movenet-lightning: ") || !strings.Contains(stdout, "movenet-lightning.bin") {
		t.Fatalf("check with model and source damaged: exit %d, want 1 naming movenet-lightning.bin:\n%s", code, stdout)
	}
	code, log = runToEnd(t, nil, 0, 1, args...)
	if code != 1 || !strings.Contains(log, "model movenet-lightning") || !strings.Contains(log, "offline") {
		t.Fatalf("run offline with model and source damaged: exit %d, want 1 naming the model:\n%s", code, log)
	}
	t.Logf("offline, model and source damaged: %s", lastLine(log))
}

func lastLine(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return lines[len(lines)-1]
}

// flip inverts one byte of path at off.
func flip(t *testing.T, path string, off int64) {
	t.Helper()
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	b := make([]byte, 1)
	if _, err := f.ReadAt(b, off); err != nil {
		t.Fatal(err)
	}
	b[0] ^= 0xff
	if _, err := f.WriteAt(b, off); err != nil {
		t.Fatal(err)
	}
}

// copyTree copies the regular files of src into dst.
func copyTree(t *testing.T, src, dst string) {
	t.Helper()
	if err := os.MkdirAll(dst, 0o755); err != nil {
		t.Fatal(err)
	}
	entries, err := os.ReadDir(src)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if !e.Type().IsRegular() {
			continue
		}
		b, err := os.ReadFile(filepath.Join(src, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dst, e.Name()), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}
