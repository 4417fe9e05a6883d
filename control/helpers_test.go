package control

import (
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/vivid-ml/vivid-ml-engine/control/osc"
	"github.com/vivid-ml/vivid-ml-engine/engine"
)

// peer is a UDP OSC peer for tests: it sends to the controller and receives feedback.
type peer struct {
	t    *testing.T
	conn *net.UDPConn
}

func newPeer(t *testing.T) *peer {
	t.Helper()
	conn, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	return &peer{t: t, conn: conn}
}

func (p *peer) addr() string { return p.conn.LocalAddr().String() }

func (p *peer) send(to net.Addr, addr string, args ...any) {
	p.t.Helper()
	b, err := osc.AppendMessage(nil, &osc.Message{Address: addr, Args: args})
	if err != nil {
		p.t.Fatal(err)
	}
	p.sendRaw(to, b)
}

func (p *peer) sendRaw(to net.Addr, b []byte) {
	p.t.Helper()
	if _, err := p.conn.WriteTo(b, to); err != nil {
		p.t.Fatal(err)
	}
}

// expect reads messages until one with address addr arrives (10 s), returning it.
func (p *peer) expect(addr string) *osc.Message { return p.expectArg(addr, nil) }

// expectArg reads messages until addr arrives with first argument want (any when nil).
func (p *peer) expectArg(addr string, want any) *osc.Message {
	p.t.Helper()
	buf := make([]byte, 65536)
	deadline := time.Now().Add(10 * time.Second)
	for {
		p.conn.SetReadDeadline(deadline)
		n, _, err := p.conn.ReadFrom(buf)
		if err != nil {
			p.t.Fatalf("waiting for %s: %v", addr, err)
		}
		m, err := osc.Decode(buf[:n])
		if err != nil {
			p.t.Fatal(err)
		}
		if msg, ok := m.(*osc.Message); ok && msg.Address == addr && (want == nil || len(msg.Args) > 0 && msg.Args[0] == want) {
			return msg
		}
	}
}

// eventually polls cond for up to 10 s (no timing assertion: only a generous bound).
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(2 * time.Millisecond) {
		if cond() {
			return
		}
	}
	t.Fatalf("timed out waiting for %s", what)
}

func writeFile(t *testing.T, dir, name, body string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(strings.TrimLeft(body, "\n")), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func newController(t *testing.T, cfg Config) *Controller {
	t.Helper()
	if cfg.Params == nil {
		cfg.Params = engine.NewParamStore(engine.DefaultParams())
	}
	c, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func near(a, b float64) bool { d := a - b; return d < 1e-6 && d > -1e-6 }

func writeFileB(b *testing.B, path, body string) string {
	b.Helper()
	if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
		b.Fatal(err)
	}
	return path
}

// deadline10s is the generous read deadline of the UDP tests.
func deadline10s() time.Time { return time.Now().Add(10 * time.Second) }
