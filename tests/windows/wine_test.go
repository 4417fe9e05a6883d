//go:build linux

// Package windows runs the engine's Windows build under wine against Linux peers
// (liblo's oscdump/oscsend) and a Windows peer process (winpeer). `make test-windows`
// (scripts/windows/test.sh) builds everything and sets VIVID_WIN_DIR; without it the
// tests skip.
package windows

import (
	"bufio"
	"errors"
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

// rig is what scripts/windows/test.sh prepared.
type rig struct {
	dir    string // VIVID_WIN_DIR: the .exe files, unit/*.test.exe, cache/
	wine   string // wine64 loader
	prefix string // WINEPREFIX
}

func needRig(t *testing.T) rig {
	t.Helper()
	r := rig{dir: os.Getenv("VIVID_WIN_DIR"), wine: os.Getenv("VIVID_WINE"), prefix: os.Getenv("WINEPREFIX")}
	if r.dir == "" || r.wine == "" || r.prefix == "" {
		t.Skip("wine tests run through `make test-windows` (VIVID_WIN_DIR, VIVID_WINE, WINEPREFIX unset)")
	}
	return r
}

// winPath is the Windows name wine gives a Linux path: drive_c of the prefix is C:,
// everything else is under Z:.
func (r rig) winPath(p string) string {
	p, _ = filepath.Abs(p)
	if rel, err := filepath.Rel(filepath.Join(r.prefix, "drive_c"), p); err == nil && !strings.HasPrefix(rel, "..") {
		return `C:\` + strings.ReplaceAll(rel, "/", `\`)
	}
	return `Z:` + strings.ReplaceAll(p, "/", `\`)
}

// driveC makes a fresh folder under C:\ (its Linux path); rel may hold spaces.
func (r rig) driveC(t *testing.T, rel string) string {
	t.Helper()
	d := filepath.Join(r.prefix, "drive_c", rel)
	os.RemoveAll(d)
	if err := os.MkdirAll(d, 0o755); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(d) })
	return d
}

// cache is the Windows path of the model cache provisioned from Linux.
func (r rig) cache() string { return r.winPath(filepath.Join(r.dir, "cache")) }

// exe returns a command running a Windows program of the rig under wine.
func (r rig) exe(name string, args ...string) *exec.Cmd {
	return exec.Command(r.wine, append([]string{filepath.Join(r.dir, name)}, args...)...)
}

// engine runs vivid-ml-engine.exe under wine.
func (r rig) engine(args ...string) *exec.Cmd { return r.exe("vivid-ml-engine.exe", args...) }

// proc is a running process whose output lines are collected.
type proc struct {
	cmd   *exec.Cmd
	mu    sync.Mutex
	lines []string
	done  chan struct{}
	err   error
}

func (p *proc) read(r io.Reader, wg *sync.WaitGroup) {
	defer wg.Done()
	s := bufio.NewScanner(r)
	s.Buffer(make([]byte, 1<<16), 1<<20)
	for s.Scan() {
		p.mu.Lock()
		p.lines = append(p.lines, s.Text())
		p.mu.Unlock()
	}
}

// start runs cmd, collecting stdout and stderr; it is killed when the test ends.
// The output is an *os.File pipe, not exec's: wine's system processes (services.exe,
// rpcss…) that a command starts inherit its handles and keep a pipe open after it
// exits, so the end of the process, not of its output, is what done waits for.
func start(t *testing.T, cmd *exec.Cmd) *proc {
	t.Helper()
	p := &proc{cmd: cmd, done: make(chan struct{})}
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stdout, cmd.Stderr = w, w
	err = cmd.Start()
	w.Close()
	if err != nil {
		r.Close()
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	wg.Add(1)
	go p.read(r, &wg)
	go func() {
		p.err = cmd.Wait()
		drained := make(chan struct{})
		go func() { wg.Wait(); close(drained) }()
		select { // the last lines, unless an inheriting process holds the pipe
		case <-drained:
		case <-time.After(time.Second):
		}
		close(p.done)
	}()
	t.Cleanup(func() {
		cmd.Process.Kill()
		<-p.done
		r.Close()
	})
	return p
}

// output runs cmd to its end and returns its stdout (and stderr when combined), through
// a temp file for the same reason as start.
func output(cmd *exec.Cmd, combined bool) ([]byte, error) {
	f, err := os.CreateTemp("", "vivid-wine-out-")
	if err != nil {
		return nil, err
	}
	defer os.Remove(f.Name())
	defer f.Close()
	cmd.Stdout = f
	if combined {
		cmd.Stderr = f
	}
	err = cmd.Run()
	b, rerr := os.ReadFile(f.Name())
	return b, errors.Join(err, rerr)
}

func (p *proc) mark() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.lines)
}

// find returns the first line at or after from that contains s.
func (p *proc) find(from int, s string) (string, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, l := range p.lines[min(from, len(p.lines)):] {
		if strings.Contains(l, s) {
			return l, true
		}
	}
	return "", false
}

func (p *proc) String() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	ls := p.lines
	if len(ls) > 80 {
		ls = ls[len(ls)-80:]
	}
	return strings.Join(ls, "\n")
}

func (p *proc) exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// waitLine waits until a line after from contains s, failing fast when the process exits.
func (p *proc) waitLine(t *testing.T, from int, s string, timeout time.Duration, others ...*proc) string {
	t.Helper()
	for deadline := time.Now().Add(timeout); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		if l, ok := p.find(from, s); ok {
			return l
		}
		for _, o := range append([]*proc{p}, others...) {
			if o.exited() {
				t.Fatalf("%s exited (%v) before %q appeared\n%s", o.cmd.Path, o.err, s, o)
			}
		}
	}
	t.Fatalf("no %q within %v\n%s", s, timeout, p)
	return ""
}

// interrupt sends SIGINT to a wine process: wine turns it into a console CTRL_C_EVENT,
// which Go's os/signal delivers as os.Interrupt. It returns how long the exit took.
func (p *proc) interrupt(t *testing.T, timeout time.Duration) time.Duration {
	t.Helper()
	t0 := time.Now()
	if err := p.cmd.Process.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	select {
	case <-p.done:
	case <-time.After(timeout):
		t.Fatalf("no exit within %v of Ctrl-C\n%s", timeout, p)
	}
	return time.Since(t0)
}

// freeUDPPort returns a loopback UDP port nobody holds right now.
func freeUDPPort(t *testing.T) int {
	t.Helper()
	c, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	return c.LocalAddr().(*net.UDPAddr).Port
}

// freeTCPPort returns a loopback TCP port nobody holds right now.
func freeTCPPort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// tool returns a Linux peer's path; make test-windows installs them, so missing is a failure.
func tool(t *testing.T, name string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		t.Fatalf("%s not on PATH (Debian liblo-tools; .ci/run installs it)", name)
	}
	return p
}

func addr(port int) string { return fmt.Sprintf("127.0.0.1:%d", port) }
