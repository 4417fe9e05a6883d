package control

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"os"
	"strings"
	"testing"

	"github.com/vivid-ml/vivid-ml-engine/control/osc"
	"github.com/vivid-ml/vivid-ml-engine/mapping"
)

// TestFeedbackAddLookupOffControlPath: a name lookup that does not answer holds up
// nothing (other messages are applied meanwhile); when it answers, the target gets
// every parameter; a failed lookup is reported on /vivid/error.
func TestFeedbackAddLookupOffControlPath(t *testing.T) {
	release := make(chan struct{})
	resolve := func(ctx context.Context, host string) ([]netip.Addr, error) {
		if host == "nxdomain.invalid" {
			return nil, errors.New("no such host")
		}
		select {
		case <-release:
			return []netip.Addr{netip.MustParseAddr("127.0.0.1")}, nil
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	fb, late := newPeer(t), newPeer(t)
	c := newController(t, Config{OSCListen: "127.0.0.1:0", Feedback: []string{fb.addr()}, Resolve: resolve})
	p := newPeer(t)
	to := c.OSCAddr()
	latePort := int32(late.conn.LocalAddr().(interface{ AddrPort() netip.AddrPort }).AddrPort().Port())
	p.send(to, "/vivid/feedback/add", "slow.example", latePort)
	p.send(to, "/vivid/seed", int32(77))
	fb.expectArg("/vivid/param/seed", int32(77)) // applied while the lookup hangs
	close(release)
	late.expectArg("/vivid/param/seed", int32(77))

	p.send(to, "/vivid/feedback/add", "nxdomain.invalid", int32(9))
	if got, want := fb.expect("/vivid/error").Args[0], "feedback/add nxdomain.invalid: no such host"; got != want {
		t.Fatalf("/vivid/error %q, want %q", got, want)
	}
}

// TestLearnLimits: a learned rule that would push the mapping file past 1 MiB is
// refused (the file stays as it was and loads); a source learning faster than the
// rate is refused after the burst. Both are reported on /vivid/error.
func TestLearnLimits(t *testing.T) {
	dir := t.TempDir()
	big := "rules: []\n#" + strings.Repeat("x", mapping.MaxFileSize-200) + "\n"
	f := writeFile(t, dir, "big.yaml", big)
	fb := newPeer(t)
	c := newController(t, Config{MappingFiles: []string{f}, NoWatch: true, Feedback: []string{fb.addr()}})
	from := netip.MustParseAddrPort("192.0.2.1:5000")
	msg := func(addr string, args ...any) {
		b, _ := osc.AppendMessage(nil, &osc.Message{Address: addr, Args: args})
		c.HandleOSC(b, from)
	}
	msg("/vivid/learn", "strength")
	msg("/"+strings.Repeat("a", 400), float32(0.5))
	e := fb.expect("/vivid/error").Args[0].(string)
	if want := "mapping file too large: with the learned rule the file would be"; !strings.Contains(e, want) {
		t.Fatalf("/vivid/error %q, want it to contain %q", e, want)
	}
	if b, _ := os.ReadFile(f); string(b) != big {
		t.Fatal("the mapping file changed")
	}
	if _, err := mapping.Load(f); err != nil {
		t.Fatalf("mapping no longer loads: %v", err)
	}

	small := writeFile(t, dir, "small.yaml", "rules: []\n")
	c2 := newController(t, Config{MappingFiles: []string{small}, NoWatch: true, Feedback: []string{fb.addr()}})
	for i := range learnBurst + 1 {
		b, _ := osc.AppendMessage(nil, &osc.Message{Address: "/vivid/learn", Args: []any{"strength"}})
		c2.HandleOSC(b, from)
		b, _ = osc.AppendMessage(nil, &osc.Message{Address: fmt.Sprintf("/fader/%d", i), Args: []any{float32(0.5)}})
		c2.HandleOSC(b, from)
	}
	want := fmt.Sprintf("learn: learning too fast: more than %d rules from osc 192.0.2.1 (one more every 6s)", learnBurst)
	if got := fb.expect("/vivid/error").Args[0]; got != want {
		t.Fatalf("/vivid/error %q, want %q", got, want)
	}
	m, err := mapping.Load(small)
	if err != nil || len(m.Rules) != learnBurst {
		t.Fatalf("%v rules saved (%v), want %d", m, err, learnBurst)
	}
	if s := c2.Stats(); s.Learned != learnBurst || s.LearnRefused != 1 {
		t.Fatalf("learned %d, refused %d", s.Learned, s.LearnRefused)
	}
}

// TestUnknownVividAddress: a typo under /vivid/ is counted and reported on /vivid/error.
func TestUnknownVividAddress(t *testing.T) {
	fb := newPeer(t)
	c := newController(t, Config{OSCListen: "127.0.0.1:0", Feedback: []string{fb.addr()}})
	p := newPeer(t)
	p.send(c.OSCAddr(), "/vivid/strenght", float32(0.5))
	if got, want := fb.expect("/vivid/error").Args[0], "unknown address /vivid/strenght"; got != want {
		t.Fatalf("/vivid/error %q, want %q", got, want)
	}
	if s := c.Stats(); s.UnknownVivid != 1 || s.OSCUnmatched != 1 {
		t.Fatalf("unknown %d, unmatched %d", s.UnknownVivid, s.OSCUnmatched)
	}
}

// TestGetBounded: /vivid/get sends everything to the feedback targets only; a sender
// that is not one gets just what `/vivid/get s NAME` asks for.
func TestGetBounded(t *testing.T) {
	fb := newPeer(t)
	c := newController(t, Config{OSCListen: "127.0.0.1:0", Feedback: []string{fb.addr()}})
	p := newPeer(t)
	p.send(c.OSCAddr(), "/vivid/get")
	fb.expect("/vivid/param/strength")
	p.send(c.OSCAddr(), "/vivid/get", "seed")
	// The first message the sender gets is the one it asked for: /vivid/get sent it nothing.
	buf := make([]byte, 65536)
	_ = p.conn.SetReadDeadline(deadline10s())
	n, _, err := p.conn.ReadFrom(buf)
	if err != nil {
		t.Fatal(err)
	}
	m, err := osc.Decode(buf[:n])
	if err != nil {
		t.Fatal(err)
	}
	if msg, ok := m.(*osc.Message); !ok || msg.Address != "/vivid/param/seed" {
		t.Fatalf("sender got %v first, want /vivid/param/seed", m)
	}
}
