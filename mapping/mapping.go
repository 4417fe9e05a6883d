package mapping

import (
	"fmt"
	"math"
	"slices"
	"time"

	"github.com/vivid-ml/vivid-ml-engine/control/osc"
	"github.com/vivid-ml/vivid-ml-engine/engine"
	"go.yaml.in/yaml/v4"
)

// Mapping is one parsed mapping file: which MIDI ports it wants and its rules in file order.
type Mapping struct {
	File  string
	MIDI  *PortSpec
	Rules []*Rule
}

// Load reads and parses a mapping file.
func Load(file string) (*Mapping, error) {
	b, err := ReadFile(file)
	if err != nil {
		return nil, fmt.Errorf("mapping %s: %w", file, err)
	}
	return Parse(file, b)
}

// Parse parses mapping YAML strictly: unknown keys, wrong types and impossible rules
// are errors that name file:line:column.
func Parse(file string, data []byte) (*Mapping, error) {
	var fs FileSpec
	root, err := decodeStrict(file, data, &fs)
	if err != nil {
		return nil, err
	}
	m := &Mapping{File: file, MIDI: fs.MIDI}
	rules := child(root, "rules")
	for i, rs := range fs.Rules {
		r, err := compileRule(file, item(rules, i), rs)
		if err != nil {
			return nil, err
		}
		m.Rules = append(m.Rules, r)
	}
	return m, nil
}

func finite(v ...float64) bool {
	for _, x := range v {
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return false
		}
	}
	return true
}

func compileRule(file string, n *yaml.Node, rs RuleSpec) (*Rule, error) {
	r := &Rule{Spec: rs, File: file}
	if n != nil {
		r.Line, r.Column = n.Line, n.Column
	}
	bad := func(key, format string, args ...any) error { return posErr(file, n, key, format, args...) }
	switch {
	case rs.OSC != nil && rs.MIDI != nil:
		return nil, bad("midi", "a rule has one source: osc or midi, not both")
	case rs.OSC == nil && rs.MIDI == nil:
		return nil, bad("", "rule has no source (osc or midi)")
	case rs.OSC != nil:
		p, err := osc.Compile(rs.OSC.Address)
		if err != nil {
			return nil, bad("osc", "%v", err)
		}
		if rs.OSC.Arg < 0 || rs.OSC.Arg > 64 {
			return nil, bad("osc", "arg %d: want 0..64", rs.OSC.Arg)
		}
		r.osc = p
		r.inLo, r.inHi = 0, 1
	default:
		if err := checkMIDI(rs.MIDI); err != nil {
			return nil, bad("midi", "%v", err)
		}
		r.inLo, r.inHi = 0, 127
		if m := rs.MIDI; m.CC14 != nil || m.NRPN != nil || m.PitchBend {
			r.inHi = 16383
		}
	}
	switch {
	case rs.Action != "" && !slices.Contains(Actions, rs.Action):
		return nil, bad("action", "unknown action %q", rs.Action)
	case rs.Action == "learn" || rs.Action == "":
		spec, ok := engine.LookupParam(rs.Target)
		switch {
		case rs.Target == "":
			return nil, bad("", "rule has neither target nor action")
		case !ok:
			return nil, bad("target", "unknown target %q", rs.Target)
		case spec.Kind == engine.KindString:
			return nil, bad("target", "target %q is text: set it over OSC or with presets", rs.Target)
		}
		r.outLo, r.outHi = spec.Min, spec.Max
		if rs.Target == "seed" {
			r.outHi = 127
		}
	case rs.Target != "":
		return nil, bad("target", "a rule has a target or an action, not both")
	}
	if rs.In != nil {
		if !finite(rs.In[0], rs.In[1]) || rs.In[0] == rs.In[1] {
			return nil, bad("in", "input range %v is empty or not finite", *rs.In)
		}
		r.inLo, r.inHi = rs.In[0], rs.In[1]
	}
	if rs.Range != nil {
		if !finite(rs.Range[0], rs.Range[1]) {
			return nil, bad("range", "range %v is not finite", *rs.Range)
		}
		r.outLo, r.outHi = rs.Range[0], rs.Range[1]
	}
	var err error
	if r.curve, err = parseCurve(rs.Curve); err != nil {
		return nil, bad("curve", "%v", err)
	}
	switch rs.Relative {
	case "", "twos-complement", "binary-offset", "sign-magnitude":
	default:
		return nil, bad("relative", "relative %q: want twos-complement, binary-offset or sign-magnitude", rs.Relative)
	}
	switch rs.Button {
	case "", "toggle", "momentary":
	default:
		return nil, bad("button", "button %q: want toggle or momentary", rs.Button)
	}
	if rs.Relative != "" && rs.Button != "" {
		return nil, bad("button", "a rule is a relative encoder or a button, not both")
	}
	for key, v := range map[string]float64{"quantize": rs.Quantize, "slew": rs.Slew, "step": rs.Step, "fade": rs.Fade} {
		if !finite(v) || v < 0 || v > 1e9 {
			return nil, bad(key, "%s %v: want a finite number >= 0", key, v)
		}
	}
	r.slew = time.Duration(rs.Slew * float64(time.Millisecond))
	if (rs.Action == "preset.fade") && rs.Preset == "" {
		return nil, bad("action", "preset.fade needs preset: NAME")
	}
	return r, nil
}

func checkMIDI(m *MIDISource) error {
	n := 0
	for _, p := range []*int{m.CC, m.CC14, m.NRPN, m.Note} {
		if p != nil {
			n++
		}
	}
	if m.Program != nil {
		n++
	}
	if m.PitchBend {
		n++
	}
	switch {
	case n != 1:
		return fmt.Errorf("want exactly one of cc, cc14, nrpn, note, program, pitchbend; got %d", n)
	case m.Channel < 0 || m.Channel > 16:
		return fmt.Errorf("channel %d: want 1..16 (0 or absent: any)", m.Channel)
	case m.CC != nil && (*m.CC < 0 || *m.CC > 127):
		return fmt.Errorf("cc %d: want 0..127", *m.CC)
	case m.CC14 != nil && (*m.CC14 < 0 || *m.CC14 > 31):
		return fmt.Errorf("cc14 %d: want 0..31 (LSB is cc+32)", *m.CC14)
	case m.NRPN != nil && (*m.NRPN < 0 || *m.NRPN > 16383):
		return fmt.Errorf("nrpn %d: want 0..16383", *m.NRPN)
	case m.Note != nil && (*m.Note < 0 || *m.Note > 127):
		return fmt.Errorf("note %d: want 0..127", *m.Note)
	case m.Program != nil && (m.Program.Number < -1 || m.Program.Number > 127):
		return fmt.Errorf("program %d: want 0..127 or any", m.Program.Number)
	}
	return nil
}

// CompileRule compiles one rule built in code (MIDI learn without a file).
func CompileRule(file string, rs RuleSpec) (*Rule, error) { return compileRule(file, nil, rs) }
