package tests

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// freeUDPPort returns a UDP port that was free a moment ago on loopback.
func freeUDPPort(t *testing.T) int {
	t.Helper()
	c, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	return c.LocalAddr().(*net.UDPAddr).Port
}

// lineLog collects the lines a process prints, for waiting on a pattern.
type lineLog struct {
	cmd   *exec.Cmd
	mu    sync.Mutex
	lines []string
}

func (l *lineLog) read(r io.Reader) {
	s := bufio.NewScanner(r)
	s.Buffer(make([]byte, 1<<16), 1<<20)
	for s.Scan() {
		l.mu.Lock()
		l.lines = append(l.lines, s.Text())
		l.mu.Unlock()
	}
	_, _ = io.Copy(io.Discard, r) // after a line over 1 MiB: keep draining, or the writer blocks
}

func (l *lineLog) has(sub string) bool { return l.hasSince(0, sub) }

// mark is the number of lines so far, for hasSince.
func (l *lineLog) mark() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.lines)
}

// hasSince reports whether a line after the first from lines contains sub.
func (l *lineLog) hasSince(from int, sub string) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, x := range l.lines[from:] {
		if strings.Contains(x, sub) {
			return true
		}
	}
	return false
}

func (l *lineLog) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return strings.Join(l.lines, "\n")
}

// TestControlOSCEndToEnd drives `run` with Debian's liblo tools: oscsend changes
// parameters, oscdump receives feedback, a mapping file reloads live, and a broken
// file keeps the old mapping and produces /vivid/error.
func TestControlOSCEndToEnd(t *testing.T) {
	oscsend := needTool(t, "oscsend")
	dir := t.TempDir()
	mf := filepath.Join(dir, "touchosc.yaml")
	writeMapping := func(body string) {
		t.Helper()
		tmp := mf + ".new"
		if err := os.WriteFile(tmp, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.Rename(tmp, mf); err != nil { // how many editors save
			t.Fatal(err)
		}
	}
	writeMapping("rules:\n  - osc: {address: /1/fader1}\n    target: strength\n    range: [0.2, 0.8]\n    curve: {type: exp, amount: 2}\n")

	dump := startOSCDump(t)
	// Control needs no models: pose off, no pose output, test pattern frames.
	cfg := filepath.Join(dir, "engine.yaml")
	if err := os.WriteFile(cfg, []byte("source: {spec: testpattern}\npose: {enabled: false}\nosc_out: {targets: []}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	eng := startEngine(t, "run", "--config", cfg, "--feedback", dump.target(), "--mapping", mf)
	inPort := eng.oscInPort(t)
	send := func(args ...string) {
		t.Helper()
		a := append([]string{"127.0.0.1", inPort}, args...)
		if out, err := exec.Command(oscsend, a...).CombinedOutput(); err != nil {
			t.Fatalf("oscsend %v: %v\n%s", args, err, out)
		}
	}
	// await resends msg until oscdump shows want in a line printed after the call
	// began (the engine may still be starting, a reload may still be debouncing).
	await := func(want string, msg ...string) {
		t.Helper()
		from := dump.mark()
		for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
			if len(msg) > 0 {
				send(msg...)
			}
			if dump.hasSince(from, want) {
				return
			}
		}
		t.Fatalf("oscdump never showed %q\noscdump:\n%s\nengine:\n%s", want, dump, eng)
	}

	await("/vivid/param/strength f 0.250000", "/vivid/strength", "f", "0.25")
	await("/vivid/param/steps i 3", "/vivid/steps", "i", "3")
	await(`/vivid/param/prompt s "a neon city"`, "/vivid/prompt", "s", "a neon city")
	// 0.2 + 0.6·0.5² = 0.35
	await("/vivid/param/strength f 0.350000", "/1/fader1", "f", "0.5")

	writeMapping("rules:\n  - osc: {address: /1/fader1}\n    target: strength\n    range: [0, 0.5]\n")
	await("/vivid/param/strength f 0.250000", "/1/fader1", "f", "0.5")

	from := dump.mark()
	writeMapping("rules:\n  - osc: {address: /1/fader1}\n    target: strenght\n")
	for deadline := time.Now().Add(30 * time.Second); !dump.hasSince(from, "/vivid/error s"); time.Sleep(50 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("no /vivid/error\noscdump:\n%s", dump)
		}
	}
	if want := fmt.Sprintf(`/vivid/error s "%s:3:13: unknown target "strenght""`, mf); !dump.has(want) { // oscdump does not escape quotes
		t.Fatalf("oscdump lacks %s:\n%s", want, dump)
	}
	if !eng.has("reload rejected") {
		t.Errorf("engine log lacks the rejected reload:\n%s", eng)
	}
	// The old mapping stays in force: 1.0 through [0, 0.5] is 0.5.
	await("/vivid/param/strength f 0.500000", "/1/fader1", "f", "1.0")

	// Malformed packets are counted, never fatal: the engine still answers.
	if c, err := net.Dial("udp", eng.oscIn(t)); err == nil {
		c.Write([]byte("not osc at all"))
		c.Write([]byte("/a[\x00,f\x00\x00\x00\x00\x00\x00"))
		c.Close()
	}
	await("/vivid/param/seed i 1234", "/vivid/seed", "i", "1234")
	await("/vivid/status fii", "/vivid/pause")

	// SIGHUP reloads the files (the broken one is still broken: reported again), and the
	// engine keeps running.
	from = dump.mark()
	if err := eng.cmd.Process.Signal(syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(30 * time.Second); !dump.hasSince(from, "/vivid/error s"); time.Sleep(50 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("no /vivid/error after SIGHUP\nengine:\n%s", eng)
		}
	}
	await("/vivid/param/paused i 0", "/vivid/resume")
}

// TestDevicesMIDI: without a MIDI system (no /dev/snd in containers) the command
// says so clearly and exits 1 instead of crashing; with one it lists ports.
func TestDevicesMIDI(t *testing.T) {
	out, err := engine("devices", "midi").CombinedOutput()
	s := string(out)
	switch {
	case err == nil:
		if !strings.Contains(s, "no MIDI ports") && !strings.Contains(s, "in\t") && !strings.Contains(s, "out\t") {
			t.Fatalf("unexpected listing:\n%s", s)
		}
	case strings.Contains(s, "no usable MIDI system") || strings.Contains(s, "no MIDI backend"):
		t.Logf("no MIDI here, reported clearly:\n%s", s)
	default:
		t.Fatalf("devices midi: %v\n%s", err, s)
	}
}

// TestControlLearnAndPresetsEndToEnd: /vivid/learn binds the next OSC control and
// writes it to the mapping file; presets select and crossfade over OSC.
func TestControlLearnAndPresetsEndToEnd(t *testing.T) {
	oscsend := needTool(t, "oscsend")
	dir := t.TempDir()
	mf := filepath.Join(dir, "learned.yaml")
	pf := filepath.Join(dir, "presets.yaml")
	cfg := filepath.Join(dir, "engine.yaml")
	for f, body := range map[string]string{
		mf:  "# learned controls go here\nrules: []\n",
		pf:  "presets:\n  - {name: calm, prompt: \"a calm lake\", strength: 0.2, steps: 2}\n  - {name: neon, prompt: \"a neon city\", strength: 0.6, steps: 4}\n",
		cfg: "source: {spec: testpattern}\npose: {enabled: false}\nosc_out: {targets: []}\n",
	} {
		if err := os.WriteFile(f, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	dump := startOSCDump(t)
	eng := startEngine(t, "run", "--config", cfg, "--feedback", dump.target(), "--mapping", mf, "--presets", pf)
	inPort := eng.oscInPort(t)
	send := func(args ...string) {
		t.Helper()
		if out, err := exec.Command(oscsend, append([]string{"127.0.0.1", inPort}, args...)...).CombinedOutput(); err != nil {
			t.Fatalf("oscsend %v: %v\n%s", args, err, out)
		}
	}
	await := func(want string, msg ...string) {
		t.Helper()
		from := dump.mark()
		for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
			send(msg...)
			if dump.hasSince(from, want) {
				return
			}
		}
		t.Fatalf("oscdump never showed %q\noscdump:\n%s\nengine:\n%s", want, dump, eng)
	}
	await("/vivid/param/prompt s \"a calm lake\"", "/vivid/preset", "s", "calm")
	await("/vivid/param/preset_b s \"neon\"", "/vivid/preset_b", "i", "1")
	await("/vivid/param/strength f 0.400000", "/vivid/blend", "f", "0.5") // halfway 0.2 → 0.6

	send("/vivid/learn", "s", "guidance")
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		send("/2/rotary1", "f", "0.1")
		b, _ := os.ReadFile(mf)
		if strings.Contains(string(b), "/2/rotary1") {
			if !strings.Contains(string(b), "# learned controls go here") || !strings.Contains(string(b), "guidance") {
				t.Fatalf("learned file:\n%s", b)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("learned rule never written:\n%s\nengine:\n%s", b, eng)
		}
	}
	await("/vivid/param/guidance f 15.000000", "/2/rotary1", "f", "0.5") // 0..1 → 0..30
}
