package control

import (
	"fmt"
	"math"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"gitlab.com/gomidi/midi/v2"
	"gitlab.com/gomidi/midi/v2/drivers"
	"gitlab.com/gomidi/midi/v2/drivers/testdrv"

	"github.com/vivid-ml/vivid-ml-engine/engine"
)

// plugDriver is testdrv with a cable: unplugged, it lists no ports; each plug-in
// is a new device (testdrv cannot listen again after a stop).
type plugDriver struct {
	*testdrv.Driver
	cur atomic.Pointer[testdrv.Driver]
}

func (d *plugDriver) plug()   { d.cur.Store(testdrv.New("replug")) }
func (d *plugDriver) unplug() { d.cur.Store(nil) }

func (d *plugDriver) Ins() ([]drivers.In, error) {
	if cur := d.cur.Load(); cur != nil {
		return cur.Ins()
	}
	return nil, nil
}

// midiRig is a controller listening on a testdrv port, and the sender side of it.
type midiRig struct {
	c   *Controller
	out drivers.Out
}

func newMIDIRig(t *testing.T, name, rules string, presets string) *midiRig {
	t.Helper()
	dir := t.TempDir()
	f := writeFile(t, dir, "m.yaml", "midi: {port: "+name+"}\nrules:\n"+rules)
	cfg := Config{MappingFiles: []string{f}, NoWatch: true, MIDIOut: "none", MIDIDriver: testdrv.New(name)}
	if presets != "" {
		cfg.PresetsFile = writeFile(t, dir, "p.yaml", presets)
	}
	c := newController(t, cfg)
	eventually(t, "midi port open", func() bool { return c.MIDIInPort() != "" })
	outs, _ := cfg.MIDIDriver.Outs()
	if err := outs[0].Open(); err != nil {
		t.Fatal(err)
	}
	return &midiRig{c: c, out: outs[0]}
}

func (r *midiRig) send(t *testing.T, msgs ...[]byte) {
	t.Helper()
	for _, m := range msgs {
		if err := r.out.Send(m); err != nil {
			t.Fatal(err)
		}
	}
}

func cc(ch, n, v byte) []byte  { return []byte{0xb0 | (ch - 1), n, v} }
func noteOn(n, v byte) []byte  { return []byte{0x90, n, v} }
func noteOff(n byte) []byte    { return []byte{0x80, n, 0} }
func program(n byte) []byte    { return []byte{0xc0, n} }
func bend(v int) []byte        { return []byte{0xe0, byte(v & 0x7f), byte(v >> 7)} }
func seq(m ...[]byte) [][]byte { return m }
func approx(a, b float64) bool { return math.Abs(a-b) < 1e-9 }

// TestMIDIRules drives every MIDI source kind and every transform through testdrv.
func TestMIDIRules(t *testing.T) {
	presets := "presets:\n  - {name: a, seed: 10}\n  - {name: b, seed: 20}\n  - {name: c, seed: 30}\n"
	tests := []struct {
		name  string
		rules string
		send  [][]byte
		check func(p *engine.Params) bool
	}{
		{"cc 7-bit", "  - {midi: {channel: 1, cc: 1}, target: strength}\n",
			seq(cc(1, 1, 64)), func(p *engine.Params) bool { return approx(p.Strength, 64.0/127) }},
		{"channel filter", "  - {midi: {channel: 2, cc: 1}, target: strength}\n",
			seq(cc(1, 1, 127)), func(p *engine.Params) bool { return p.Strength == 0.5 }},
		{"cc 14-bit pair", "  - {midi: {cc14: 2}, target: guidance, range: [0, 10]}\n",
			seq(cc(1, 2, 64), cc(1, 34, 0)), func(p *engine.Params) bool { return approx(p.Guidance, 8192.0/16383*10) }},
		{"cc 14-bit lsb", "  - {midi: {cc14: 2}, target: guidance, range: [0, 16383]}\n",
			seq(cc(1, 2, 1), cc(1, 34, 5)), func(p *engine.Params) bool { return approx(p.Guidance, 30) }}, // 133 clamped to 30
		{"nrpn", "  - {midi: {nrpn: 300}, target: blend}\n",
			seq(cc(1, 99, 2), cc(1, 98, 44), cc(1, 6, 64), cc(1, 38, 0)), func(p *engine.Params) bool { return approx(p.Blend, 8192.0/16383) }},
		{"nrpn other param ignored", "  - {midi: {nrpn: 300}, target: blend}\n",
			seq(cc(1, 99, 2), cc(1, 98, 45), cc(1, 6, 64)), func(p *engine.Params) bool { return p.Blend == 0 }},
		{"note velocity", "  - {midi: {note: 36}, target: strength}\n",
			seq(noteOn(36, 127)), func(p *engine.Params) bool { return p.Strength == 1 }},
		{"note off", "  - {midi: {note: 36}, target: strength}\n",
			seq(noteOn(36, 127), noteOff(36)), func(p *engine.Params) bool { return p.Strength == 0 }},
		{"toggle", "  - {midi: {note: 36}, target: diffusion, button: toggle}\n",
			seq(noteOn(36, 100), noteOff(36)), func(p *engine.Params) bool { return p.DiffusionEnabled }},
		{"toggle twice", "  - {midi: {note: 36}, target: diffusion, button: toggle}\n",
			seq(noteOn(36, 100), noteOff(36), noteOn(36, 100)), func(p *engine.Params) bool { return !p.DiffusionEnabled }},
		{"momentary press", "  - {midi: {note: 37}, target: paused, button: momentary}\n",
			seq(noteOn(37, 100)), func(p *engine.Params) bool { return p.Paused }},
		{"momentary release", "  - {midi: {note: 37}, target: paused, button: momentary}\n",
			seq(noteOn(37, 100), noteOn(37, 0)), func(p *engine.Params) bool { return !p.Paused }},
		{"program change selects preset", "  - {midi: {program: any}, action: preset.select}\n",
			seq(program(1)), func(p *engine.Params) bool { return p.Preset == "b" && p.Seed == 20 }},
		{"program n selects named preset", "  - {midi: {program: 5}, action: preset.select, preset: c}\n",
			seq(program(4), program(5)), func(p *engine.Params) bool { return p.Preset == "c" }},
		{"pitch bend inverted", "  - {midi: {pitchbend: true}, target: pose_min_score, invert: true}\n",
			seq(bend(0)), func(p *engine.Params) bool { return p.PoseMinScore == 1 }},
		{"pitch bend centre", "  - {midi: {pitchbend: true}, target: blend}\n",
			seq(bend(8192)), func(p *engine.Params) bool { return approx(p.Blend, 8192.0/16383) }},
		{"in range, out range, log curve, quantize", "  - {midi: {cc: 3}, target: strength, in: [0, 100], range: [0.2, 0.8], curve: {type: log}, quantize: 0.1}\n",
			seq(cc(1, 3, 25)), func(p *engine.Params) bool { return approx(p.Strength, 0.5) }}, // √0.25 = 0.5 → 0.5
		{"exp curve", "  - {midi: {cc: 3}, target: strength, in: [0, 100], curve: {type: exp, amount: 3}}\n",
			seq(cc(1, 3, 50)), func(p *engine.Params) bool { return approx(p.Strength, 0.125) }},
		{"s-curve", "  - {midi: {cc: 3}, target: strength, in: [0, 100], curve: {type: s-curve, amount: 2}}\n",
			seq(cc(1, 3, 25)), func(p *engine.Params) bool { return approx(p.Strength, 0.1) }},
		{"linear curve", "  - {midi: {cc: 3}, target: strength, in: [0, 100], curve: {type: linear}}\n",
			seq(cc(1, 3, 25)), func(p *engine.Params) bool { return approx(p.Strength, 0.25) }},
		{"quantize steps", "  - {midi: {cc: 3}, target: steps}\n",
			seq(cc(1, 3, 100)), func(p *engine.Params) bool { return p.Steps == 7 }}, // 1+7·100/127 = 6.51 → 7
		{"relative twos-complement", "  - {midi: {cc: 10}, target: steps, relative: twos-complement, step: 1}\n",
			seq(cc(1, 10, 3), cc(1, 10, 127)), func(p *engine.Params) bool { return p.Steps == 4 }}, // 2+3-1
		{"relative binary-offset", "  - {midi: {cc: 10}, target: steps, relative: binary-offset, step: 1}\n",
			seq(cc(1, 10, 66), cc(1, 10, 63)), func(p *engine.Params) bool { return p.Steps == 3 }}, // 2+2-1
		{"relative sign-magnitude", "  - {midi: {cc: 10}, target: steps, relative: sign-magnitude, step: 1}\n",
			seq(cc(1, 10, 5), cc(1, 10, 0x40|2)), func(p *engine.Params) bool { return p.Steps == 5 }}, // 2+5-2
		{"relative clamps", "  - {midi: {cc: 10}, target: steps, relative: twos-complement, step: 1}\n",
			seq(cc(1, 10, 63)), func(p *engine.Params) bool { return p.Steps == 8 }},
		{"pickup waits", "  - {midi: {cc: 4}, target: strength, pickup: true}\n",
			seq(cc(1, 4, 0), cc(1, 4, 10)), func(p *engine.Params) bool { return p.Strength == 0.5 }},
		{"pickup catches on crossing", "  - {midi: {cc: 4}, target: strength, pickup: true}\n",
			seq(cc(1, 4, 0), cc(1, 4, 100), cc(1, 4, 127)), func(p *engine.Params) bool { return p.Strength == 1 }},
		{"action seed.next", "  - {midi: {note: 40}, action: seed.next}\n",
			seq(noteOn(40, 127), noteOff(40), noteOn(40, 127)), func(p *engine.Params) bool { return p.Seed == 44 }},
		{"action seed.prev on cc button", "  - {midi: {cc: 20}, action: seed.prev}\n",
			seq(cc(1, 20, 127), cc(1, 20, 127), cc(1, 20, 0), cc(1, 20, 127)), func(p *engine.Params) bool { return p.Seed == 40 }},
		{"action seed.random", "  - {midi: {note: 40}, action: seed.random}\n",
			seq(noteOn(40, 127)), func(p *engine.Params) bool { return p.Seed != 42 }},
		{"action pause.toggle", "  - {midi: {note: 41}, action: pause.toggle}\n",
			seq(noteOn(41, 127)), func(p *engine.Params) bool { return p.Paused }},
		{"action pause then resume", "  - {midi: {note: 41}, action: pause}\n  - {midi: {note: 42}, action: resume}\n",
			seq(noteOn(41, 127), noteOn(42, 127)), func(p *engine.Params) bool { return !p.Paused }},
		{"action pose.toggle", "  - {midi: {note: 43}, action: pose.toggle}\n",
			seq(noteOn(43, 127)), func(p *engine.Params) bool { return !p.PoseEnabled }},
		{"action diffusion.toggle", "  - {midi: {note: 43}, action: diffusion.toggle}\n",
			seq(noteOn(43, 127)), func(p *engine.Params) bool { return p.DiffusionEnabled }},
		{"action preset.next/prev", "  - {midi: {note: 44}, action: preset.next}\n  - {midi: {note: 45}, action: preset.prev}\n",
			seq(noteOn(44, 127), noteOff(44), noteOn(44, 127), noteOn(45, 127)), func(p *engine.Params) bool { return p.Preset == "a" }},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := newMIDIRig(t, fmt.Sprintf("rig%d", i), tt.rules, presets)
			r.send(t, tt.send...)
			if p := r.c.ps.Load(); !tt.check(p) {
				t.Fatalf("params after %x: %+v", tt.send, *p)
			}
		})
	}
}

func TestMIDISlew(t *testing.T) {
	r := newMIDIRig(t, "slew", "  - {midi: {cc: 1}, target: strength, slew: 600000}\n", "")
	r.send(t, cc(1, 1, 127))
	if s := r.c.ps.Load().Strength; s > 0.51 {
		t.Fatalf("a 10-minute slew jumped to %v", s)
	}
	r.c.mu.Lock()
	defer r.c.mu.Unlock()
	g, ok := r.c.glides["strength"]
	if !ok || g.to != 1 || g.from != 0.5 {
		t.Fatalf("glide %+v", g)
	}
	r.c.stepAnimations(g.start.Add(g.dur / 2))
	if s := r.c.ps.Load().Strength; !approx(s, 0.75) {
		t.Fatalf("half way: %v", s)
	}
	r.c.stepAnimations(g.start.Add(g.dur))
	if s := r.c.ps.Load().Strength; s != 1 || len(r.c.glides) != 0 {
		t.Fatalf("end: %v, glides %v", s, r.c.glides)
	}
}

func TestMIDILearn(t *testing.T) {
	r := newMIDIRig(t, "learn", "  - {midi: {cc: 1}, target: strength}\n", "")
	r.c.mu.Lock()
	r.c.startLearn("blend")
	r.c.mu.Unlock()
	r.send(t, cc(3, 99, 0), cc(3, 98, 9), cc(3, 6, 127), cc(3, 38, 127)) // learn an NRPN
	r.send(t, cc(3, 99, 0), cc(3, 98, 9), cc(3, 6, 0), cc(3, 38, 0))
	if b := r.c.ps.Load().Blend; b != 0 {
		t.Fatalf("blend %v", b)
	}
	r.send(t, cc(3, 6, 64), cc(3, 38, 0))
	if b := r.c.ps.Load().Blend; !approx(b, 8192.0/16383) {
		t.Fatalf("blend %v", b)
	}
	rules := r.c.Rules()
	last := rules[len(rules)-1].Spec
	if last.MIDI.NRPN == nil || *last.MIDI.NRPN != 9 || last.MIDI.Channel != 3 || last.Target != "blend" {
		t.Fatalf("learned %+v", last)
	}
}

func TestMIDIReplug(t *testing.T) {
	drv := &plugDriver{Driver: testdrv.New("replug")}
	dir := t.TempDir()
	f := writeFile(t, dir, "m.yaml", "rules:\n  - {midi: {cc: 1}, target: strength}\n")
	c := newController(t, Config{MappingFiles: []string{f}, NoWatch: true, MIDIIn: "replug", MIDIOut: "none",
		MIDIDriver: drv, MIDIPoll: 5 * time.Millisecond})
	if c.MIDIInPort() != "" {
		t.Fatal("open while unplugged")
	}
	drv.plug()
	eventually(t, "plug", func() bool { return c.MIDIInPort() == "replug-in" })
	drv.unplug()
	eventually(t, "unplug", func() bool { return c.MIDIInPort() == "" })
	drv.plug()
	eventually(t, "replug", func() bool { return c.MIDIInPort() == "replug-in" })
	outs, _ := drv.cur.Load().Outs()
	outs[0].Open()
	outs[0].Send(cc(1, 1, 127))
	if s := c.ps.Load().Strength; s != 1 {
		t.Fatalf("strength after replug %v", s)
	}
}

func TestMIDIFeedback(t *testing.T) {
	in := testdrv.New("fbin")
	out := testdrv.New("fbout")
	var mu sync.Mutex
	var got [][]byte
	ins, _ := out.Ins()
	stop, err := midi.ListenTo(ins[0], func(m midi.Message, _ int32) {
		mu.Lock()
		got = append(got, append([]byte{}, m...))
		mu.Unlock()
	})
	if err != nil {
		t.Fatal(err)
	}
	defer stop()
	dir := t.TempDir()
	f := writeFile(t, dir, "m.yaml", "rules:\n  - {midi: {channel: 2, cc: 7}, target: strength, range: [0, 0.5]}\n")
	c := newController(t, Config{MappingFiles: []string{f}, NoWatch: true, MIDIIn: "fbin", MIDIOut: "fbout",
		MIDIDriver: in, MIDIOutDriver: out})
	eventually(t, "port", func() bool { return c.MIDIInPort() != "" })
	c.mu.Lock()
	c.set("strength", 0.25, 0)
	c.mu.Unlock()
	eventually(t, "LED feedback", func() bool {
		mu.Lock()
		defer mu.Unlock()
		for _, m := range got {
			if len(m) == 3 && m[0] == 0xb1 && m[1] == 7 && m[2] == 64 { // 0.25/0.5·127 = 63.5 → 64
				return true
			}
		}
		return false
	})
}
