package mapping

import (
	"errors"
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/vivid-ml/vivid-ml-engine/control/osc"
	"github.com/vivid-ml/vivid-ml-engine/engine"
)

func TestParseErrors(t *testing.T) {
	tests := []struct {
		name, yaml, want string
	}{
		{"unknown key", "rules:\n  - osc: {address: /a}\n    target: strength\n    rnage: [0, 1]\n",
			"m.yaml:4:5: field rnage not found in type mapping.RuleSpec"},
		{"syntax", "rules:\n  - osc: {address: /a\n", "m.yaml:3:1: did not find expected ',' or '}'"},
		{"type", "rules:\n  - midi: {cc: loud}\n    target: strength\n", "m.yaml:2:16: cannot construct !!str `loud` into int"},
		{"range length", "rules:\n  - osc: {address: /a}\n    target: strength\n    range: [1]\n",
			"m.yaml:4:12: invalid array: want 2 elements but got 1"},
		{"unknown target", "rules:\n  - osc: {address: /a}\n    target: strenght\n", `m.yaml:3:13: unknown target "strenght"`},
		{"text target", "rules:\n  - osc: {address: /a}\n    target: prompt\n", `m.yaml:3:13: target "prompt" is text: set it over OSC or with presets`},
		{"two sources", "rules:\n  - osc: {address: /a}\n    midi: {cc: 1}\n    target: strength\n", "m.yaml:3:11: a rule has one source: osc or midi, not both"},
		{"no source", "rules:\n  - target: strength\n", "m.yaml:2:5: rule has no source (osc or midi)"},
		{"no target", "rules:\n  - midi: {cc: 1}\n", "m.yaml:2:5: rule has neither target nor action"},
		{"bad pattern", "rules:\n  - osc: {address: '/a['}\n    target: strength\n", `m.yaml:2:10: bad osc address pattern: "/a[": unclosed [`},
		{"bad cc", "rules:\n  - midi: {cc: 200}\n    target: strength\n", "m.yaml:2:11: cc 200: want 0..127"},
		{"two midi kinds", "rules:\n  - midi: {cc: 1, note: 3}\n    target: strength\n", "m.yaml:2:11: want exactly one of cc, cc14, nrpn, note, program, pitchbend; got 2"},
		{"bad channel", "rules:\n  - midi: {channel: 17, cc: 1}\n    target: strength\n", "m.yaml:2:11: channel 17: want 1..16 (0 or absent: any)"},
		{"bad program", "rules:\n  - midi: {program: some}\n    action: preset.select\n", `m.yaml:2:21: program: want a number 0..127 or any, got "some"`},
		{"bad curve", "rules:\n  - midi: {cc: 1}\n    target: strength\n    curve: {type: cubic}\n", `m.yaml:4:12: curve type "cubic": want linear, exp, log or s-curve`},
		{"bad amount", "rules:\n  - midi: {cc: 1}\n    target: strength\n    curve: {type: exp, amount: -1}\n", "m.yaml:4:12: curve amount -1: want 0 < amount <= 100"},
		{"empty in", "rules:\n  - midi: {cc: 1}\n    target: strength\n    in: [3, 3]\n", "m.yaml:4:9: input range [3 3] is empty or not finite"},
		{"nan range", "rules:\n  - midi: {cc: 1}\n    target: strength\n    range: [.nan, 1]\n", "m.yaml:4:12: range [NaN 1] is not finite"},
		{"bad relative", "rules:\n  - midi: {cc: 1}\n    target: steps\n    relative: signed\n", `m.yaml:4:15: relative "signed": want twos-complement, binary-offset or sign-magnitude`},
		{"bad button", "rules:\n  - midi: {cc: 1}\n    target: paused\n    button: latch\n", `m.yaml:4:13: button "latch": want toggle or momentary`},
		{"unknown action", "rules:\n  - midi: {note: 1}\n    action: explode\n", `m.yaml:3:13: unknown action "explode"`},
		{"target and action", "rules:\n  - midi: {note: 1}\n    action: pause\n    target: strength\n", "m.yaml:4:13: a rule has a target or an action, not both"},
		{"negative slew", "rules:\n  - midi: {cc: 1}\n    target: strength\n    slew: -5\n", "m.yaml:4:11: slew -5: want a finite number >= 0"},
		{"fade without preset", "rules:\n  - midi: {note: 1}\n    action: preset.fade\n", "m.yaml:3:13: preset.fade needs preset: NAME"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse("m.yaml", []byte(tt.yaml))
			if err == nil || err.Error() != tt.want {
				t.Fatalf("err = %v\nwant  %s", err, tt.want)
			}
			if !errors.Is(err, ErrInvalid) {
				t.Fatalf("%v is not ErrInvalid", err)
			}
		})
	}
}

func TestPresetErrors(t *testing.T) {
	tests := []struct{ name, yaml, want string }{
		{"dup", "presets:\n  - {name: a}\n  - {name: a}\n", `p.yaml:3:12: duplicate preset "a"`},
		{"no name", "presets:\n  - {seed: 1}\n", "p.yaml:2:5: preset without name"},
		{"bad utf8", "presets:\n  - {name: a, prompt: \"\xff\"}\n", "p.yaml:2:24: invalid UTF-8 byte 0xff"},
		{"unknown key", "presets:\n  - {name: a, sead: 1}\n", "p.yaml:2:15: field sead not found in type mapping.Preset"},
	}
	for _, tt := range tests {
		_, err := ParsePresets("p.yaml", []byte(tt.yaml))
		if err == nil || err.Error() != tt.want {
			t.Errorf("%s: err = %v\nwant  %s", tt.name, err, tt.want)
		}
	}
}

func TestCurves(t *testing.T) {
	for _, c := range []Curve{{"linear", 1}, {"exp", 2}, {"log", 3}, {"s-curve", 2}, {"s-curve", 0.5}} {
		for _, x := range []float64{0, 0.1, 0.25, 0.5, 0.9, 1} {
			y := c.Apply(x)
			if y < 0 || y > 1 || math.Abs(c.Inverse(y)-x) > 1e-9 {
				t.Errorf("%v: Apply(%v) = %v, Inverse = %v", c, x, y, c.Inverse(y))
			}
		}
	}
	if y := (Curve{"exp", 2}).Apply(0.5); y != 0.25 {
		t.Errorf("exp 2 at 0.5 = %v", y)
	}
}

func TestRelativeDelta(t *testing.T) {
	tests := []struct {
		mode string
		v    int
		want int
	}{
		{"twos-complement", 1, 1}, {"twos-complement", 127, -1}, {"twos-complement", 65, -63},
		{"binary-offset", 64, 0}, {"binary-offset", 65, 1}, {"binary-offset", 62, -2},
		{"sign-magnitude", 3, 3}, {"sign-magnitude", 0x43, -3}, {"sign-magnitude", 0x40, 0},
	}
	for _, tt := range tests {
		if got := RelativeDelta(tt.mode, tt.v); got != tt.want {
			t.Errorf("%s(%d) = %d, want %d", tt.mode, tt.v, got, tt.want)
		}
	}
}

func TestInverseFeedback(t *testing.T) {
	m, err := Parse("m", []byte("rules:\n  - {midi: {cc14: 1, channel: 3}, target: strength, curve: {type: exp}}\n  - {osc: {address: /1/fader1}, target: blend, invert: true}\n"))
	if err != nil {
		t.Fatal(err)
	}
	got := m.Rules[0].FeedbackMIDI(0.25) // exp⁻¹(0.25) = 0.5 → 8192 of 16383 (rounded)
	if len(got) != 2 || got[0][0] != 0xb2 || got[0][1] != 1 || got[0][2] != 64 || got[1][1] != 33 || got[1][2] != 0 {
		t.Fatalf("midi feedback % x", got)
	}
	addr, v, ok := m.Rules[1].FeedbackOSC(0.25)
	if !ok || addr != "/1/fader1" || v != 0.75 {
		t.Fatalf("osc feedback %s %v %v", addr, v, ok)
	}
}

func TestAppendRule(t *testing.T) {
	dir := t.TempDir()
	f := filepath.Join(dir, "m.yaml")
	cc := 5
	for i := 0; i < 2; i++ { // the second learn of the same control replaces the first
		if err := AppendRule(f, RuleSpec{MIDI: &MIDISource{Channel: 1, CC: &cc}, Target: []string{"strength", "blend"}[i]}); err != nil {
			t.Fatal(err)
		}
	}
	m, err := Load(f)
	if err != nil {
		t.Fatal(err)
	}
	if len(m.Rules) != 1 || m.Rules[0].Spec.Target != "blend" {
		b, _ := os.ReadFile(f)
		t.Fatalf("rules:\n%s", b)
	}
}

func TestOSCRuleEval(t *testing.T) {
	m, err := Parse("m", []byte("rules:\n  - {osc: {address: '/1/fader*', arg: 1}, target: strength}\n"))
	if err != nil {
		t.Fatal(err)
	}
	p := engine.DefaultParams()
	in, _ := osc.Compile("/1/fader3")
	out, ok := m.Rules[0].Eval(Input{OSC: in, Args: []any{"x", int32(1)}}, &p)
	if !ok || out == nil || out.Value != 1 {
		t.Fatalf("eval %+v %v", out, ok)
	}
	if _, ok := m.Rules[0].Eval(Input{OSC: in, Args: []any{float32(1)}}, &p); ok {
		t.Fatal("matched without arg 1")
	}
}

func FuzzParse(f *testing.F) {
	f.Add([]byte("midi: {port: nano}\nrules:\n  - {osc: {address: /1/fader1}, target: strength, range: [0.2, 0.8], curve: {type: exp, amount: 2}}\n  - {midi: {note: 36}, action: seed.random}\n"))
	f.Add([]byte("rules:\n  - {midi: {program: any}, action: preset.select}\n"))
	f.Add([]byte("rules: [{midi: {cc: 1}, target: steps, relative: twos-complement}]"))
	f.Add([]byte("&a [*a, *a]"))
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := Parse("f.yaml", b)
		if err != nil {
			var pe *PosError
			if !errors.As(err, &pe) {
				t.Fatalf("error without position: %v", err)
			}
			return
		}
		p := engine.DefaultParams()
		pat, _ := osc.Compile("/1/fader1")
		for _, r := range m.Rules {
			r.Eval(Input{OSC: pat, Args: []any{float32(0.5)}}, &p)
			r.Eval(Input{MIDI: &MIDIEvent{Kind: MIDICC, Channel: 1, Number: 1, Value: 64}}, &p)
			r.FeedbackMIDI(0.5)
		}
	})
}

func FuzzMIDIDecoder(f *testing.F) {
	f.Add([]byte{0xb0, 99, 1, 0xb0, 98, 2, 0xb0, 6, 3, 0xb0, 38, 4})
	f.Add([]byte{0x90, 36, 0, 0xe0, 0, 64})
	f.Fuzz(func(t *testing.T, b []byte) {
		var d MIDIDecoder
		for i := 0; i+3 <= len(b); i += 3 {
			for _, ev := range d.Decode(b[i : i+3]) {
				if ev.Channel < 1 || ev.Channel > 16 || ev.Value < 0 || ev.Value > 16383 {
					t.Fatalf("bad event %+v", ev)
				}
			}
		}
	})
}
