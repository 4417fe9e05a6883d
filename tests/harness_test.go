package tests

import (
	"bytes"
	"errors"
	"io"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"
)

// The end-to-end harness: every engine process a test starts goes through startEngine
// (long-running) or runToExit (to completion). It
//   - puts every listener on a port the kernel picks (--osc-in 127.0.0.1:0, --http
//     127.0.0.1:0, pose out to the discard port) unless the test names one, and reads the
//     bound address back from the log, so nothing races for a port or collides with
//     another engine on 9000/9001/8080;
//   - fails fast when the process exits while a test waits for it;
//   - stops it boundedly at cleanup (SIGINT, then SIGKILL after stopGrace);
//   - prints the process's log when the test failed.

// stopGrace is how long cleanup waits after SIGINT before killing the engine.
const stopGrace = 10 * time.Second

// readyWait bounds waiting for a log line (model loading on two shared cores is slow).
const readyWait = 90 * time.Second

// discardAddr receives pose OSC nobody reads (UDP discard port: no listener, no reply).
const discardAddr = "127.0.0.1:9"

// hasFlag reports whether args set flag (as "--flag v" or "--flag=v").
func hasFlag(args []string, flag string) bool {
	for _, a := range args {
		if a == flag || strings.HasPrefix(a, flag+"=") {
			return true
		}
	}
	return false
}

// withFreeListeners adds the harness's listener defaults to an engine command line:
// `run` gets --osc-in on a kernel-picked port and pose out to the discard port (without
// --config, which may name its own targets); `shm view` gets --http on a picked port.
func withFreeListeners(args []string) []string {
	out := append([]string(nil), args...)
	switch {
	case len(args) > 0 && args[0] == "run":
		if !hasFlag(args, "--osc-in") {
			out = append(out, "--osc-in", "127.0.0.1:0")
		}
		if !hasFlag(args, "--osc-out") && !hasFlag(args, "--config") {
			out = append(out, "--osc-out", discardAddr)
		}
	case len(args) > 1 && args[0] == "shm" && args[1] == "view":
		if !hasFlag(args, "--http") {
			out = append(out, "--http", "127.0.0.1:0")
		}
	}
	return out
}

// proc is a running engine (or peer) under the harness.
type proc struct {
	*lineLog
	args   []string
	done   chan struct{}
	err    error // valid after done
	exitAt time.Time
}

// startEngine starts the engine binary with args (plus withFreeListeners' defaults).
func startEngine(t *testing.T, args ...string) *proc {
	t.Helper()
	return startCmd(t, engine(withFreeListeners(args)...))
}

// startCmd starts cmd under the harness (its stdout and stderr become the log).
func startCmd(t *testing.T, cmd *exec.Cmd) *proc {
	t.Helper()
	pr, pw := io.Pipe()
	cmd.Stdout, cmd.Stderr = pw, pw
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p := &proc{lineLog: &lineLog{cmd: cmd}, args: cmd.Args, done: make(chan struct{})}
	logDone := make(chan struct{})
	go func() { p.read(pr); close(logDone) }()
	go func() {
		p.err = cmd.Wait()
		p.exitAt = time.Now()
		_ = pw.Close()
		// done means the log is complete too: Wait returns once the last bytes are in the
		// pipe, before the reader has appended them (TestCommandHelp saw an empty log).
		<-logDone
		close(p.done)
	}()
	t.Cleanup(func() {
		_ = p.stop() // the exit status is the test's to check; cleanup only reaps
		<-logDone
		if t.Failed() {
			t.Logf("log of %s (exit %v):\n%s", strings.Join(p.args, " "), p.err, p)
		}
	})
	return p
}

// stop interrupts the process and waits for it, killing it after stopGrace.
// It returns the exit error (nil for status 0).
func (p *proc) stop() error {
	if p.running() {
		_ = p.cmd.Process.Signal(os.Interrupt)
	}
	select {
	case <-p.done:
	case <-time.After(stopGrace):
		_ = p.cmd.Process.Kill()
		<-p.done
	}
	return p.err
}

// signal sends sig to the running process.
func (p *proc) signal(t *testing.T, sig syscall.Signal) {
	t.Helper()
	if err := p.cmd.Process.Signal(sig); err != nil {
		t.Fatalf("signal %v: %v", sig, err)
	}
}

// running reports whether the process has not exited.
func (p *proc) running() bool {
	select {
	case <-p.done:
		return false
	default:
		return true
	}
}

// wait waits for the process to exit by itself and returns its exit error.
func (p *proc) wait(t *testing.T, timeout time.Duration) error {
	t.Helper()
	select {
	case <-p.done:
		return p.err
	case <-time.After(timeout):
		t.Fatalf("%s did not exit within %s:\n%s", p.args[0], timeout, p)
		return nil
	}
}

// waitLog waits for a log line after mark from containing sub; it fails the test on
// timeout or when the process exits first.
func (p *proc) waitLog(t *testing.T, from int, sub string, timeout time.Duration) {
	t.Helper()
	p.waitMatch(t, from, regexp.MustCompile(regexp.QuoteMeta(sub)), timeout)
}

// waitMatch is waitLog for a regular expression; it returns the first line's submatches.
func (p *proc) waitMatch(t *testing.T, from int, re *regexp.Regexp, timeout time.Duration) []string {
	t.Helper()
	for deadline := time.Now().Add(timeout); ; time.Sleep(20 * time.Millisecond) {
		if m := p.matchSince(from, re); m != nil {
			return m
		}
		if !p.running() {
			if m := p.matchSince(from, re); m != nil { // logged just before exiting
				return m
			}
			t.Fatalf("engine exited (%v) before logging %q:\n%s", p.err, re, p)
		}
		if time.Now().After(deadline) {
			t.Fatalf("engine never logged %q:\n%s", re, p)
		}
	}
}

// matchSince returns the submatches of the first line after from that matches re.
func (p *proc) matchSince(from int, re *regexp.Regexp) []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, x := range p.lines[min(from, len(p.lines)):] {
		if m := re.FindStringSubmatch(x); m != nil {
			return m
		}
	}
	return nil
}

var (
	oscInLine   = regexp.MustCompile(`msg="osc control in" addr=(\S+)`)
	previewLine = regexp.MustCompile(`msg="preview listening".* url=(http://\S+?)/?$`)
)

// oscIn waits until the engine has bound its OSC control socket and returns its address.
func (p *proc) oscIn(t *testing.T) string {
	t.Helper()
	return p.waitMatch(t, 0, oscInLine, readyWait)[1]
}

// oscInPort is oscIn's port, for oscsend.
func (p *proc) oscInPort(t *testing.T) string {
	t.Helper()
	a := p.oscIn(t)
	return a[strings.LastIndexByte(a, ':')+1:]
}

// httpBase waits until the preview server listens and returns its base URL (no trailing /).
func (p *proc) httpBase(t *testing.T) string {
	t.Helper()
	return p.waitMatch(t, 0, previewLine, readyWait)[1]
}

// exitCode is the process's exit status (after done); -1 when it was killed by a signal.
func (p *proc) exitCode() int {
	var ee *exec.ExitError
	if errors.As(p.err, &ee) {
		return ee.ExitCode()
	}
	return 0
}

// runToExit runs the engine with args (plus withFreeListeners' defaults) to completion
// within timeout, feeding it stdin, and returns its exit code and log (stdout+stderr).
func runToExit(t *testing.T, stdin io.Reader, timeout time.Duration, args ...string) (int, string) {
	t.Helper()
	cmd := engine(withFreeListeners(args)...)
	cmd.Stdin = stdin
	p := startCmd(t, cmd)
	if err := p.wait(t, timeout); err != nil {
		var ee *exec.ExitError
		if !errors.As(err, &ee) {
			t.Fatalf("engine %v: %v", args, err)
		}
	}
	return p.exitCode(), p.String()
}

// mustRun is runToExit that fails the test unless the engine exits 0.
func mustRun(t *testing.T, stdin io.Reader, args ...string) string {
	t.Helper()
	code, log := runToExit(t, stdin, 3*time.Minute, args...)
	if code != 0 {
		t.Fatalf("engine %v: exit %d\n%s", args, code, log)
	}
	return log
}

// runCLI runs a short command (models, check, pose, diffusion run…) to completion within
// timeout, killing it after that, and returns its stdout and stderr apart.
func runCLI(t *testing.T, timeout time.Duration, cmd *exec.Cmd) (stdout, stderr []byte, err error) {
	t.Helper()
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err = <-done:
	case <-time.After(timeout):
		_ = cmd.Process.Kill()
		<-done
		t.Fatalf("%s did not finish within %s:\n%s%s", strings.Join(cmd.Args, " "), timeout, out.Bytes(), errb.Bytes())
	}
	return out.Bytes(), errb.Bytes(), err
}
