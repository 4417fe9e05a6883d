package control

import (
	"errors"
	"math"
	"net"
	"net/netip"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/vivid-ml/vivid-ml-engine/control/osc"
	"github.com/vivid-ml/vivid-ml-engine/engine"
	"github.com/vivid-ml/vivid-ml-engine/mapping"
)

func TestBuiltinAPI(t *testing.T) {
	fb := newPeer(t)
	c := newController(t, Config{OSCListen: "127.0.0.1:0", Feedback: []string{fb.addr()}})
	p := newPeer(t)
	to := c.OSCAddr()
	p.send(to, "/vivid/strength", float32(0.25))
	fb.expectArg("/vivid/param/strength", float32(0.25))
	p.send(to, "/vivid/steps", int32(4))
	p.send(to, "/vivid/seed", int32(7))
	p.send(to, "/vivid/prompt", "a red fox")
	p.send(to, "/vivid/negative", "blurry")
	p.send(to, "/vivid/guidance", float32(3))
	p.send(to, "/vivid/pause")
	p.send(to, "/vivid/diffusion", true)
	p.send(to, "/vivid/pose", int32(0))
	p.send(to, "/vivid/seed/next")
	fb.expect("/vivid/param/seed")
	eventually(t, "all params", func() bool {
		q := c.ps.Load()
		return q.Steps == 4 && q.Seed == 8 && q.Prompt == "a red fox" && q.Negative == "blurry" &&
			q.Guidance == 3 && q.Paused && q.DiffusionEnabled && !q.PoseEnabled
	})
	p.send(to, "/vivid/resume")
	eventually(t, "resume", func() bool { return !c.ps.Load().Paused })
}

func TestValidation(t *testing.T) {
	c := newController(t, Config{})
	from := netip.MustParseAddrPort("127.0.0.1:1")
	msg := func(addr string, args ...any) {
		b, err := osc.AppendMessage(nil, &osc.Message{Address: addr, Args: args})
		if err != nil {
			t.Fatal(err)
		}
		c.HandleOSC(b, from)
	}
	msg("/vivid/strength", float32(5))               // clamped to 1
	msg("/vivid/strength", float32(math.NaN()))      // rejected
	msg("/vivid/steps", math.Inf(1))                 // rejected
	msg("/vivid/prompt", "bad \xff utf8")            // rejected
	msg("/vivid/prompt", strings.Repeat("x", 10000)) // capped, counted as clamped
	msg("/vivid/strength", "text")                   // rejected
	msg("/vivid/pose_model", "nope")                 // rejected
	msg("/vivid/preset", "missing")                  // rejected: no presets
	c.HandleOSC([]byte("garbage!"), from)            // malformed
	msg("/nothing/here", int32(1))                   // unmatched
	p := c.ps.Load()
	if p.Strength != 1 || len(p.Prompt) != engine.MaxPromptBytes || p.PoseModel != "movenet-lightning" {
		t.Fatalf("params %+v", p)
	}
	st := c.Stats()
	if st.Clamped != 2 || st.Rejected != 6 || st.OSCMalformed != 1 || st.OSCUnmatched != 1 {
		t.Fatalf("stats %+v", st)
	}
}

func TestPatternDispatch(t *testing.T) {
	c := newController(t, Config{})
	b, _ := osc.AppendMessage(nil, &osc.Message{Address: "/vivid/{strength,blend}", Args: []any{float32(0.75)}})
	c.HandleOSC(b, netip.AddrPort{})
	if p := c.ps.Load(); p.Strength != 0.75 || p.Blend != 0.75 {
		t.Fatalf("params %+v", p)
	}
	// /vivid/s* also hits seed and steps (clamped), in the fixed built-in order.
	b, _ = osc.AppendMessage(nil, &osc.Message{Address: "/vivid/st[e]ps", Args: []any{int32(3)}})
	c.HandleOSC(b, netip.AddrPort{})
	if p := c.ps.Load(); p.Steps != 3 {
		t.Fatalf("steps %d", p.Steps)
	}
}

func TestAllowList(t *testing.T) {
	c := newController(t, Config{OSCAllow: []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")}})
	b, _ := osc.AppendMessage(nil, &osc.Message{Address: "/vivid/strength", Args: []any{float32(0.1)}})
	c.HandleOSC(b, netip.MustParseAddrPort("127.0.0.1:5"))
	c.HandleOSC(b, netip.MustParseAddrPort("10.1.2.3:5"))
	if st := c.Stats(); st.OSCDenied != 1 || st.OSCMessages != 1 {
		t.Fatalf("stats %+v", st)
	}
}

func TestBundles(t *testing.T) {
	c := newController(t, Config{})
	// Immediate bundle: elements in order (the later strength wins).
	bd := &osc.Bundle{Time: osc.Immediately, Elements: []any{
		&osc.Message{Address: "/vivid/strength", Args: []any{float32(0.1)}},
		&osc.Message{Address: "/vivid/strength", Args: []any{float32(0.2)}},
	}}
	b, _ := osc.AppendBundle(nil, bd)
	c.HandleOSC(b, netip.AddrPort{})
	if s := c.ps.Load().Strength; !near(s, float64(float32(0.2))) {
		t.Fatalf("strength %v", s)
	}
	// Future bundle: held until due, then applied by the run loop.
	future := &osc.Bundle{Time: osc.TimetagOf(time.Now().Add(time.Second)), Elements: []any{
		&osc.Message{Address: "/vivid/seed", Args: []any{int32(99)}},
	}}
	b, _ = osc.AppendBundle(nil, future)
	c.HandleOSC(b, netip.AddrPort{})
	if c.ps.Load().Seed == 99 {
		t.Fatal("future bundle applied at once")
	}
	if st := c.Stats(); st.BundlesHeld != 1 {
		t.Fatalf("stats %+v", st)
	}
	eventually(t, "held bundle", func() bool { return c.ps.Load().Seed == 99 })
}

func TestReloadAndError(t *testing.T) {
	dir := t.TempDir()
	f := writeFile(t, dir, "m.yaml", `
rules:
  - osc: {address: /1/fader1}
    target: strength
    range: [0.2, 0.8]
    curve: {type: exp, amount: 2}
`)
	fb := newPeer(t)
	c := newController(t, Config{MappingFiles: []string{f}, Feedback: []string{fb.addr()}})
	send := func(v float32) {
		b, _ := osc.AppendMessage(nil, &osc.Message{Address: "/1/fader1", Args: []any{v}})
		c.HandleOSC(b, netip.AddrPort{})
	}
	send(0.5)
	if s := c.ps.Load().Strength; !near(s, 0.35) { // 0.2 + 0.6·0.5²
		t.Fatalf("strength %v", s)
	}
	writeFile(t, dir, "m.yaml", "rules:\n  - osc: {address: /1/fader1}\n    target: strength\n    range: [0, 0.5]\n")
	eventually(t, "reload", func() bool { send(0.5); return near(c.ps.Load().Strength, 0.25) })
	writeFile(t, dir, "m.yaml", "rules:\n  - osc: {address: /1/fader1}\n    target: strenght\n")
	m := fb.expect("/vivid/error")
	if want := f + ":3:13: unknown target \"strenght\""; m.Args[0] != want {
		t.Fatalf("error %q, want %q", m.Args[0], want)
	}
	send(1)
	if s := c.ps.Load().Strength; !near(s, 0.5) {
		t.Fatalf("old mapping not kept: strength %v", s)
	}
	if st := c.Stats(); st.ReloadsFailed != 1 || st.ReloadsOK < 1 {
		t.Fatalf("stats %+v", st)
	}
	if err := c.Reload(); !errors.Is(err, mapping.ErrInvalid) {
		t.Fatalf("Reload = %v", err)
	}
	writeFile(t, dir, "m.yaml", "rules:\n  - osc: {address: /1/fader1}\n    target: blend\n")
	b, _ := osc.AppendMessage(nil, &osc.Message{Address: "/vivid/reload"})
	c.HandleOSC(b, netip.AddrPort{})
	eventually(t, "/vivid/reload", func() bool { r := c.Rules(); return len(r) == 1 && r[0].Target() == "blend" })
}

func TestRenameReplaceAndSymlink(t *testing.T) {
	dir := t.TempDir()
	real := writeFile(t, dir, "real.yaml", "rules:\n  - osc: {address: /a}\n    target: blend\n")
	link := dir + "/link.yaml"
	if err := os.Symlink(real, link); err != nil {
		t.Fatal(err)
	}
	c := newController(t, Config{MappingFiles: []string{link}})
	tmp := writeFile(t, dir, ".real.yaml.swp", "rules:\n  - osc: {address: /b}\n    target: blend\n")
	if err := os.Rename(tmp, real); err != nil {
		t.Fatal(err)
	}
	eventually(t, "rename-replace through a symlink", func() bool {
		r := c.Rules()
		return len(r) == 1 && r[0].Spec.OSC.Address == "/b"
	})
}

func TestPresetsAndFade(t *testing.T) {
	dir := t.TempDir()
	pf := writeFile(t, dir, "p.yaml", `
presets:
  - {name: forest, prompt: "a forest", seed: 1, strength: 0.2, steps: 2}
  - {name: city, prompt: "a city", negative: "people", seed: 2, strength: 0.8, steps: 4}
`)
	c := newController(t, Config{PresetsFile: pf})
	msg := func(addr string, args ...any) {
		b, _ := osc.AppendMessage(nil, &osc.Message{Address: addr, Args: args})
		c.HandleOSC(b, netip.AddrPort{})
	}
	msg("/vivid/preset", "forest")
	if p := c.ps.Load(); p.Prompt != "a forest" || p.Seed != 1 || p.Strength != 0.2 || p.Preset != "forest" {
		t.Fatalf("%+v", p)
	}
	msg("/vivid/preset_b", int32(1))
	msg("/vivid/blend", float32(0.5))
	if p := c.ps.Load(); p.PresetB != "city" || p.PromptB != "a city" || !near(p.Strength, 0.5) || p.Steps != 3 {
		t.Fatalf("blend: %+v", p)
	}
	msg("/vivid/preset/next")
	if p := c.ps.Load(); p.Preset != "city" || p.PresetB != "" || p.Blend != 0 || p.Negative != "people" {
		t.Fatalf("next: %+v", p)
	}
	msg("/vivid/preset/fade", "forest", float32(0.05))
	eventually(t, "crossfade end", func() bool { p := c.ps.Load(); return p.Preset == "forest" && p.PresetB == "" })
}

func TestLearnOSC(t *testing.T) {
	dir := t.TempDir()
	f := writeFile(t, dir, "m.yaml", "# my controller\nrules:\n  - {osc: {address: /2/push8}, action: learn, target: blend}\n")
	c := newController(t, Config{MappingFiles: []string{f}, NoWatch: true})
	msg := func(addr string, args ...any) {
		b, _ := osc.AppendMessage(nil, &osc.Message{Address: addr, Args: args})
		c.HandleOSC(b, netip.AddrPort{})
	}
	msg("/2/push8", float32(1)) // a learn button's press and release are not learned
	msg("/2/push8", float32(0))
	msg("/vivid/learn", "guidance")
	msg("/2/rotary1", float32(0.5))
	msg("/2/rotary1", float32(0.1))
	if g := c.ps.Load().Guidance; !near(g, float64(float32(0.1))*30) {
		t.Fatalf("guidance %v", g)
	}
	m, err := mapping.Load(f)
	if err != nil {
		t.Fatal(err)
	}
	if len(m.Rules) != 2 || m.Rules[1].Spec.OSC.Address != "/2/rotary1" || m.Rules[1].Spec.Target != "guidance" {
		t.Fatalf("saved rules %+v", m.Rules)
	}
	b, _ := os.ReadFile(f)
	if !strings.Contains(string(b), "# my controller") {
		t.Fatalf("comment lost:\n%s", b)
	}
}

func TestMulticastJoin(t *testing.T) {
	c, err := New(Config{OSCListen: "239.255.77.77:0"})
	if err != nil {
		t.Skipf("multicast not available here: %v", err)
	}
	defer c.Close()
	snd, err := net.ListenUDP("udp4", nil) // not bound to loopback: multicast leaves by eth0 and loops back
	if err != nil {
		t.Fatal(err)
	}
	defer snd.Close()
	port := c.OSCAddr().(*net.UDPAddr).Port
	to := &net.UDPAddr{IP: net.IPv4(239, 255, 77, 77), Port: port}
	for deadline := time.Now().Add(3 * time.Second); c.Stats().OSCMessages == 0; time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Skip("joined the group but no multicast route here (no multicast-capable interface)")
		}
		b, _ := osc.AppendMessage(nil, &osc.Message{Address: "/vivid/blend", Args: []any{float32(0.5)}})
		snd.WriteTo(b, to)
	}
	if b := c.ps.Load().Blend; b != 0.5 {
		t.Fatalf("blend %v", b)
	}
}

// TestReloadHookOwnsVividReload: with OnReload set, /vivid/reload goes to the hook (the run's
// one owner of reloads) and the controller does not reload by itself; ReloadFile then does.
func TestReloadHookOwnsVividReload(t *testing.T) {
	dir := t.TempDir()
	m := writeFile(t, dir, "m.yaml", "rules:\n  - osc: {address: /1/fader1}\n    target: strength\n")
	asked := make(chan struct{}, 1)
	c := newController(t, Config{MappingFiles: []string{m}, NoWatch: true, OnReload: func() { asked <- struct{}{} }})
	writeFile(t, dir, "m.yaml", "rules:\n  - osc: {address: /1/fader1}\n    target: blend\n")
	b, _ := osc.AppendMessage(nil, &osc.Message{Address: "/vivid/reload"})
	c.HandleOSC(b, netip.AddrPort{})
	<-asked
	if r := c.Rules(); len(r) != 1 || r[0].Target() != "strength" {
		t.Fatalf("rules %v: the controller reloaded by itself", r)
	}
	if err := c.ReloadFile(m); err != nil {
		t.Fatal(err)
	}
	if r := c.Rules(); len(r) != 1 || r[0].Target() != "blend" {
		t.Fatalf("rules after ReloadFile: %v", r)
	}
}
