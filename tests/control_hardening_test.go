package tests

import (
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/vivid-ml/vivid-ml-engine/control/osc"
)

// ctlEngine is a running engine with pose off (no models needed), its feedback going
// to a UDP socket the test reads, OSC control in on a kernel-picked port, and --http.
type ctlEngine struct {
	*proc
	fb   *udpSink
	conn *net.UDPConn // the test's OSC sender (not a feedback target)
	http string
}

// startCtlEngine starts `run` with a pose-off config and extra flags.
func startCtlEngine(t *testing.T, extra ...string) *ctlEngine {
	t.Helper()
	return startCtlEngineCfg(t, "source: {spec: testpattern, fps: 10}\npose: {enabled: false}\nosc_out: {targets: []}\n", extra...)
}

// startCtlEngineCfg is startCtlEngine with the config file's body.
func startCtlEngineCfg(t *testing.T, body string, extra ...string) *ctlEngine {
	t.Helper()
	cfg := filepath.Join(t.TempDir(), "engine.yaml")
	if err := os.WriteFile(cfg, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	fb := newUDPSink(t)
	args := append([]string{"run", "--config", cfg, "--feedback", fb.addr(), "--http", "127.0.0.1:0"}, extra...)
	e := &ctlEngine{proc: startEngine(t, args...), fb: fb}
	ua, err := net.ResolveUDPAddr("udp", e.oscIn(t))
	if err != nil {
		t.Fatal(err)
	}
	if e.conn, err = net.DialUDP("udp", nil, ua); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = e.conn.Close() })
	e.http = e.httpBase(t)
	return e
}

// send sends one OSC message to the engine's control port.
func (e *ctlEngine) send(t *testing.T, addr string, args ...any) {
	t.Helper()
	b, err := osc.AppendMessage(nil, &osc.Message{Address: addr, Args: args})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.conn.Write(b); err != nil {
		t.Fatal(err)
	}
}

// await waits until feedback has a message at addr whose arguments contain sub,
// calling again (when not nil) between looks; it fails when the engine exits.
func (e *ctlEngine) await(t *testing.T, addr, sub string, again func()) *osc.Message {
	t.Helper()
	for deadline := time.Now().Add(readyWait); ; time.Sleep(50 * time.Millisecond) {
		if m := e.fb.find(addr, sub); m != nil {
			return m
		}
		if !e.running() || time.Now().After(deadline) {
			t.Fatalf("no %s %q in feedback (running=%v):\n%s", addr, sub, e.running(), e.proc)
		}
		if again != nil {
			again()
		}
	}
}

// metric reads one sample of the engine's /metrics.
func (e *ctlEngine) metric(t *testing.T, name string) float64 {
	t.Helper()
	return (&badEngine{http: e.http}).metric(t, name)
}

// TestLearnObeysLimits: /vivid/learn cannot push the mapping file past the 1 MiB limit
// (the rule is refused, reported on /vivid/error, and the file still loads: `check`
// passes, so a restart would too), and one sender cannot learn faster than the rate.
func TestLearnObeysLimits(t *testing.T) {
	dir := t.TempDir()
	mf := filepath.Join(dir, "learned.yaml")
	big := "rules: []\n#" + strings.Repeat("x", 1<<20-600) + "\n"
	if err := os.WriteFile(mf, []byte(big), 0o644); err != nil {
		t.Fatal(err)
	}
	e := startCtlEngine(t, "--mapping", mf)
	e.send(t, "/vivid/learn", "strength")
	e.send(t, "/"+strings.Repeat("a", 900), float32(0.5))
	e.await(t, "/vivid/error", "mapping file too large", nil)
	if b, _ := os.ReadFile(mf); string(b) != big {
		t.Fatalf("the mapping file changed: %d bytes", len(b))
	}
	if stdout, stderr, _ := runEngine(t, "check", "--offline", "--mapping", mf); !strings.Contains(stdout, "ok mapping "+mf) {
		t.Fatalf("check of the mapping after learn:\n%s\n%s", stdout, stderr)
	}
	if e.has("no --mapping file") {
		t.Fatalf("log says there is no mapping file:\n%s", e.proc)
	}

	small := filepath.Join(dir, "small.yaml")
	if err := os.WriteFile(small, []byte("rules: []\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	e2 := startCtlEngine(t, "--mapping", small)
	for i := range 20 {
		e2.send(t, "/vivid/learn", "strength")
		e2.send(t, fmt.Sprintf("/fader/%d", i), float32(0.5))
	}
	e2.await(t, "/vivid/error", "learning too fast", nil)
	for deadline := time.Now().Add(readyWait); e2.metric(t, "vivid_learn_refused_total") < 12; time.Sleep(50 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("refused %v learns, want 12 of 20", e2.metric(t, "vivid_learn_refused_total"))
		}
	}
	b, _ := os.ReadFile(small)
	if n := strings.Count(string(b), "/fader/"); n != 8 {
		t.Fatalf("%d learned rules in the file, want the burst of 8:\n%s", n, b)
	}
}

// TestFeedbackAddNameLookup: a host name in /vivid/feedback/add is looked up off the
// control path; a name that does not resolve is reported on /vivid/error, and control
// keeps answering.
func TestFeedbackAddNameLookup(t *testing.T) {
	e := startCtlEngine(t)
	e.send(t, "/vivid/feedback/add", "nxdomain.invalid", int32(9))
	e.send(t, "/vivid/seed", int32(4242))
	e.await(t, "/vivid/param/seed", "4242", nil)
	e.await(t, "/vivid/error", "feedback/add nxdomain.invalid: ", nil)
}

// TestUnknownVividAddress: a typo such as /vivid/strenght is reported on /vivid/error
// and counted in /metrics.
func TestUnknownVividAddress(t *testing.T) {
	e := startCtlEngine(t)
	e.send(t, "/vivid/strenght", float32(0.5))
	e.await(t, "/vivid/error", "unknown address /vivid/strenght", nil)
	if n := e.metric(t, "vivid_osc_unknown_vivid_total"); n != 1 {
		t.Fatalf("vivid_osc_unknown_vivid_total = %v, want 1", n)
	}
	if n := e.metric(t, "vivid_osc_unmatched_total"); n != 1 {
		t.Fatalf("vivid_osc_unmatched_total = %v, want 1", n)
	}
}

// TestGetRepliesBounded: /vivid/get from a sender that is not a feedback target sends
// that sender nothing (every parameter goes to the feedback targets); `/vivid/get s
// NAME` answers the one parameter. The sender's first datagram is that answer.
func TestGetRepliesBounded(t *testing.T) {
	e := startCtlEngine(t)
	e.fb.forget()
	e.send(t, "/vivid/get")
	e.await(t, "/vivid/param/strength", "", nil) // every parameter, to the feedback target
	// An unconnected socket: answers come from the engine's feedback socket, not its control port.
	s, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	for _, m := range []*osc.Message{{Address: "/vivid/get"}, {Address: "/vivid/get", Args: []any{"seed"}}} {
		b, _ := osc.AppendMessage(nil, m)
		if _, err := s.WriteTo(b, e.conn.RemoteAddr()); err != nil {
			t.Fatal(err)
		}
	}
	buf := make([]byte, 65536)
	_ = s.SetReadDeadline(time.Now().Add(readyWait))
	n, _, err := s.ReadFrom(buf)
	if err != nil {
		t.Fatalf("no answer to /vivid/get s seed: %v", err)
	}
	p, err := osc.Decode(buf[:n])
	if m, ok := p.(*osc.Message); err != nil || !ok || m.Address != "/vivid/param/seed" {
		t.Fatalf("the sender's first datagram is %v (%v), want /vivid/param/seed", p, err)
	}
}

// TestTextCutWarningRateLimited: 20 over-long prompts are all cut and counted, but
// the warning is not logged 20 times.
func TestTextCutWarningRateLimited(t *testing.T) {
	e := startCtlEngine(t)
	long := strings.Repeat("p", 5000)
	for range 20 {
		e.send(t, "/vivid/prompt", long)
	}
	for deadline := time.Now().Add(readyWait); e.metric(t, "vivid_values_clamped_total") < 20; time.Sleep(50 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("only %v prompts cut", e.metric(t, "vivid_values_clamped_total"))
		}
	}
	if n := strings.Count(e.String(), "text too long; cut"); n < 1 || n >= 20 {
		t.Fatalf("%d warnings for 20 cut prompts", n)
	}
}

// TestMappingWatcherFollows: the watcher keeps following a mapping whose symlinked
// folder is re-pointed, whose folder is deleted and created again, and it reports a
// deleted mapping and a symlink loop on /vivid/error; SIGHUP reloads.
func TestMappingWatcherFollows(t *testing.T) {
	dir := t.TempDir()
	write := func(folder, hi string) {
		t.Helper()
		if err := os.MkdirAll(filepath.Join(dir, folder), 0o755); err != nil {
			t.Fatal(err)
		}
		body := "rules:\n  - osc: {address: /fader}\n    target: strength\n    range: [0, " + hi + "]\n"
		if err := os.WriteFile(filepath.Join(dir, folder, "map.yaml"), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	link := func(to string) { // atomically, as `ln -sfn` does
		t.Helper()
		tmp := filepath.Join(dir, ".current.new")
		os.Remove(tmp)
		if err := os.Symlink(to, tmp); err != nil {
			t.Fatal(err)
		}
		if err := os.Rename(tmp, filepath.Join(dir, "current")); err != nil {
			t.Fatal(err)
		}
	}
	write("a", "0.4")
	write("b", "0.3")
	link("a")
	mf := filepath.Join(dir, "current", "map.yaml")
	e := startCtlEngine(t, "--mapping", mf)
	fader := func() { e.send(t, "/fader", float32(1)) }
	expect := func(v string) {
		t.Helper()
		e.fb.forget()
		e.await(t, "/vivid/param/strength", v, fader)
	}
	expect("0.4") // not the default strength: feedback only reports changes
	link("b")     // the folder link re-pointed
	expect("0.3")
	write("b", "0.2") // edits in the new folder are followed
	expect("0.2")
	if err := os.RemoveAll(filepath.Join(dir, "b")); err != nil {
		t.Fatal(err)
	}
	e.await(t, "/vivid/error", filepath.Join("current", "map.yaml"), nil) // deleted: reported
	write("b", "0.1")                                                     // the folder created again
	expect("0.1")
	e.fb.forget()
	link("current") // current → current: a loop
	e.await(t, "/vivid/error", "too many levels of symbolic links", nil)
	link("a")
	expect("0.4")
	write("a", "0.7")
	e.signal(t, syscall.SIGHUP)
	expect("0.7")
}
