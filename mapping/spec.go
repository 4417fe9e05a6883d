package mapping

import (
	"fmt"
	"strconv"

	"go.yaml.in/yaml/v4"
)

// FileSpec is the YAML shape of a mapping file (see docs/control.md).
type FileSpec struct {
	MIDI  *PortSpec  `yaml:"midi,omitempty"`
	Rules []RuleSpec `yaml:"rules"`
}

// PortSpec picks MIDI ports by name substring; Out defaults to In's port name.
type PortSpec struct {
	Port string `yaml:"port"`
	Out  string `yaml:"out,omitempty"`
}

// RuleSpec is one rule: a source (osc or midi), a target parameter or an action, and transforms.
type RuleSpec struct {
	OSC  *OSCSource  `yaml:"osc,omitempty"`
	MIDI *MIDISource `yaml:"midi,omitempty"`

	Target string  `yaml:"target,omitempty"`
	Action string  `yaml:"action,omitempty"`
	Preset string  `yaml:"preset,omitempty"` // preset.select / preset.fade: which preset
	Fade   float64 `yaml:"fade,omitempty"`   // preset.fade: seconds

	In       *[2]float64 `yaml:"in,omitempty"`
	Range    *[2]float64 `yaml:"range,omitempty"`
	Curve    *CurveSpec  `yaml:"curve,omitempty"`
	Invert   bool        `yaml:"invert,omitempty"`
	Quantize float64     `yaml:"quantize,omitempty"`
	Slew     float64     `yaml:"slew,omitempty"` // milliseconds
	Pickup   bool        `yaml:"pickup,omitempty"`
	Relative string      `yaml:"relative,omitempty"` // twos-complement | binary-offset | sign-magnitude
	Step     float64     `yaml:"step,omitempty"`     // relative: output units per encoder tick
	Button   string      `yaml:"button,omitempty"`   // toggle | momentary
}

// OSCSource matches OSC messages by address (pattern) and takes argument Arg.
type OSCSource struct {
	Address string `yaml:"address"`
	Arg     int    `yaml:"arg,omitempty"`
}

// MIDISource matches one kind of MIDI message; exactly one of CC, CC14, NRPN,
// Note, Program, PitchBend is set. Channel 1..16; 0 or absent means any channel.
type MIDISource struct {
	Channel   int         `yaml:"channel,omitempty"`
	CC        *int        `yaml:"cc,omitempty"`
	CC14      *int        `yaml:"cc14,omitempty"` // MSB controller n, LSB n+32
	NRPN      *int        `yaml:"nrpn,omitempty"`
	Note      *int        `yaml:"note,omitempty"`
	Program   *ProgramSel `yaml:"program,omitempty"`
	PitchBend bool        `yaml:"pitchbend,omitempty"`
}

// CurveSpec shapes the normalised value: linear, exp, log or s-curve, with an amount (default 2).
type CurveSpec struct {
	Type   string  `yaml:"type"`
	Amount float64 `yaml:"amount,omitempty"`
}

// ProgramSel is a program number 0..127, or "any" (Number -1).
type ProgramSel struct{ Number int }

// UnmarshalYAML accepts an integer or the word any.
func (p *ProgramSel) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind == yaml.ScalarNode && n.Value == "any" {
		p.Number = -1
		return nil
	}
	v, err := strconv.Atoi(n.Value)
	if n.Kind != yaml.ScalarNode || err != nil {
		return fmt.Errorf("program: want a number 0..127 or any, got %q", n.Value)
	}
	p.Number = v
	return nil
}

// MarshalYAML writes any or the number.
func (p ProgramSel) MarshalYAML() (any, error) {
	if p.Number < 0 {
		return "any", nil
	}
	return p.Number, nil
}
