package mapping

import (
	"math"
	"strings"
	"time"

	"github.com/vivid-ml/vivid-ml-engine/control/osc"
	"github.com/vivid-ml/vivid-ml-engine/engine"
)

// Actions a rule can trigger instead of setting a parameter.
var Actions = []string{
	"seed.random", "seed.next", "seed.prev",
	"preset.next", "preset.prev", "preset.select", "preset.fade",
	"pause", "resume", "pause.toggle", "pose.toggle", "diffusion.toggle", "learn",
}

// Rule is one compiled mapping rule plus its runtime state (toggle, pickup, 14-bit latch).
// Rules are used by one goroutine at a time (the controller serialises input).
type Rule struct {
	Spec         RuleSpec
	File         string
	Line, Column int

	osc          *osc.Pattern
	inLo, inHi   float64
	outLo, outHi float64
	curve        Curve
	slew         time.Duration

	// state
	pressed  bool
	on       bool
	caught   bool
	haveLast bool
	last     float64
	lastSet  float64
	msb      int
}

// Outcome is what a matched rule asks for: set Target to Value (over Slew), or run Action.
type Outcome struct {
	Target string
	Value  float64
	Slew   time.Duration

	Action string
	Preset string // preset.select/preset.fade by name
	Index  int    // preset.select by index (program number, OSC int) when Preset is ""
	Fade   time.Duration
	Rule   *Rule
}

// Input is one incoming control event: an OSC message (Pattern + Args) or a MIDI event.
type Input struct {
	OSC  *osc.Pattern
	Args []any
	MIDI *MIDIEvent
}

// IsAction reports whether the rule triggers an action.
func (r *Rule) IsAction() bool { return r.Spec.Action != "" }

// Target is the parameter the rule sets ("" for actions other than learn).
func (r *Rule) Target() string { return r.Spec.Target }

// raw extracts the rule's input value from in; ok is false when the rule does not match.
func (r *Rule) raw(in Input) (float64, bool) {
	if in.OSC != nil {
		if r.osc == nil || !osc.Matches(in.OSC, r.osc) {
			return 0, false
		}
		if len(in.Args) == 0 && r.Spec.OSC.Arg == 0 {
			return r.inHi, true // argument-less message: a button press
		}
		if r.Spec.OSC.Arg >= len(in.Args) {
			return 0, false
		}
		v, ok := Number(in.Args[r.Spec.OSC.Arg])
		return v, ok
	}
	m, ev := r.Spec.MIDI, in.MIDI
	if m == nil || ev == nil || (m.Channel != 0 && m.Channel != ev.Channel) {
		return 0, false
	}
	switch {
	case m.CC != nil:
		return float64(ev.Value), ev.Kind == MIDICC && ev.Number == *m.CC
	case m.CC14 != nil:
		if ev.Kind != MIDICC {
			return 0, false
		}
		switch ev.Number {
		case *m.CC14: // MSB resets LSB (MIDI 1.0)
			r.msb = ev.Value
			return float64(ev.Value << 7), true
		case *m.CC14 + 32:
			return float64(r.msb<<7 | ev.Value), true
		}
	case m.NRPN != nil:
		return float64(ev.Value), ev.Kind == MIDINRPN && ev.Number == *m.NRPN
	case m.Note != nil:
		if (ev.Kind == MIDINoteOn || ev.Kind == MIDINoteOff) && ev.Number == *m.Note {
			return float64(ev.Value), true
		}
	case m.Program != nil:
		return float64(ev.Number), ev.Kind == MIDIProgram && (m.Program.Number < 0 || m.Program.Number == ev.Number)
	case m.PitchBend:
		return float64(ev.Value), ev.Kind == MIDIPitchBend
	}
	return 0, false
}

// Number converts a numeric OSC argument (i, h, f, d, T/F) to float64.
func Number(a any) (float64, bool) {
	switch v := a.(type) {
	case int32:
		return float64(v), true
	case int64:
		return float64(v), true
	case float32:
		return float64(v), true
	case float64:
		return v, true
	case bool:
		if v {
			return 1, true
		}
		return 0, true
	}
	return 0, false
}

// NonFinite reports whether the rule's source matched in with a NaN or infinite
// value: Eval ignores such input, and the caller counts it as rejected.
func (r *Rule) NonFinite(in Input) bool {
	x, ok := r.raw(in)
	return ok && (math.IsNaN(x) || math.IsInf(x, 0))
}

// Eval runs the rule on in. matched says whether the source matched; out is nil when
// the rule matched but asks for nothing (button release, pickup not yet caught).
func (r *Rule) Eval(in Input, cur *engine.Params) (out *Outcome, matched bool) {
	x, ok := r.raw(in)
	if !ok {
		return nil, false
	}
	if math.IsNaN(x) || math.IsInf(x, 0) {
		return nil, true
	}
	n := clamp01((x - r.inLo) / (r.inHi - r.inLo))
	if r.IsAction() {
		o := &Outcome{Action: r.Spec.Action, Preset: r.Spec.Preset, Index: int(x), Fade: time.Duration(r.Spec.Fade * float64(time.Second)), Target: r.Spec.Target, Rule: r}
		if r.Spec.MIDI != nil && r.Spec.MIDI.Program != nil {
			return o, true
		}
		pressed := n > 0.5
		edge := pressed && !r.pressed
		r.pressed = pressed
		if !edge {
			return nil, true
		}
		return o, true
	}
	c, _ := cur.GetNumber(r.Spec.Target)
	var v float64
	switch {
	case r.Spec.Relative != "":
		step := r.Spec.Step
		if step == 0 {
			step = (r.outHi - r.outLo) / 127
		}
		v = clamp(c+float64(RelativeDelta(r.Spec.Relative, int(x)))*step, r.outLo, r.outHi)
	case r.Spec.Button != "":
		pressed := n > 0.5
		edge := pressed != r.pressed
		r.pressed = pressed
		if r.Spec.Button == "toggle" {
			if !edge || !pressed {
				return nil, true
			}
			r.on = !r.on
			pressed = r.on
		}
		v = r.outLo
		if pressed {
			v = r.outHi
		}
	default:
		if r.Spec.Invert {
			n = 1 - n
		}
		v = r.outLo + r.curve.Apply(n)*(r.outHi-r.outLo)
	}
	if q := r.Spec.Quantize; q > 0 {
		v = clamp(r.outLo+math.Round((v-r.outLo)/q)*q, r.outLo, r.outHi)
	}
	if r.Spec.Pickup && !r.pickup(v, c) {
		return nil, true
	}
	r.lastSet = v
	return &Outcome{Target: r.Spec.Target, Value: v, Slew: r.slew, Rule: r}, true
}

// pickup implements soft takeover: the control takes effect once it reaches or
// crosses the parameter's current value c, and lets go when something else moves c.
func (r *Rule) pickup(v, c float64) bool {
	tol := 0.02 * math.Abs(r.outHi-r.outLo)
	if r.caught && math.Abs(c-r.lastSet) > tol {
		r.caught = false
	}
	if !r.caught && (math.Abs(v-c) <= tol || r.haveLast && (r.last-c)*(v-c) <= 0) {
		r.caught = true
	}
	r.last, r.haveLast = v, true
	return r.caught
}

// Inverse maps a parameter value back to the rule's input scale, for feedback
// (LED rings, motor faders, TouchOSC); ok is false for actions and relative encoders.
func (r *Rule) Inverse(v float64) (float64, bool) {
	if r.IsAction() || r.Spec.Relative != "" || r.outHi == r.outLo {
		return 0, false
	}
	n := clamp01((v - r.outLo) / (r.outHi - r.outLo))
	if r.Spec.Button != "" {
		if n >= 0.5 {
			return r.inHi, true
		}
		return r.inLo, true
	}
	n = r.curve.Inverse(n)
	if r.Spec.Invert {
		n = 1 - n
	}
	return r.inLo + n*(r.inHi-r.inLo), true
}

// FeedbackMIDI returns the MIDI messages that show value v on the rule's control.
func (r *Rule) FeedbackMIDI(v float64) [][]byte {
	m := r.Spec.MIDI
	raw, ok := r.Inverse(v)
	if m == nil || !ok {
		return nil
	}
	ch := byte(0)
	if m.Channel > 0 {
		ch = byte(m.Channel - 1)
	}
	x := int(math.Round(raw))
	b7 := func(i int) byte { return byte(max(0, min(127, i))) }
	x14 := max(0, min(16383, x))
	switch {
	case m.CC != nil:
		return [][]byte{{0xb0 | ch, b7(*m.CC), b7(x)}}
	case m.CC14 != nil:
		return [][]byte{{0xb0 | ch, b7(*m.CC14), byte(x14 >> 7)}, {0xb0 | ch, b7(*m.CC14 + 32), byte(x14 & 0x7f)}}
	case m.NRPN != nil:
		return [][]byte{{0xb0 | ch, 99, byte(*m.NRPN >> 7 & 0x7f)}, {0xb0 | ch, 98, byte(*m.NRPN & 0x7f)},
			{0xb0 | ch, 6, byte(x14 >> 7)}, {0xb0 | ch, 38, byte(x14 & 0x7f)}}
	case m.Note != nil:
		return [][]byte{{0x90 | ch, b7(*m.Note), b7(x)}}
	case m.PitchBend:
		return [][]byte{{0xe0 | ch, byte(x14 & 0x7f), byte(x14 >> 7)}}
	}
	return nil
}

// FeedbackOSC returns the address and value that show v on the rule's OSC control
// (literal addresses only).
func (r *Rule) FeedbackOSC(v float64) (string, float32, bool) {
	if r.osc == nil || !r.osc.IsLiteral() || r.Spec.OSC.Arg != 0 || strings.HasPrefix(r.Spec.OSC.Address, "/vivid/") {
		return "", 0, false
	}
	raw, ok := r.Inverse(v)
	return r.Spec.OSC.Address, float32(raw), ok
}

// Matches reports whether in matches the rule's source, without touching its state.
func (r *Rule) Matches(in Input) bool {
	cp := *r
	_, ok := cp.raw(in)
	return ok
}
