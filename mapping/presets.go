package mapping

import (
	"fmt"

	"github.com/vivid-ml/vivid-ml-engine/engine"
)

// PresetsSpec is the YAML shape of a presets file.
type PresetsSpec struct {
	Presets []Preset `yaml:"presets"`
}

// Preset is a named set of prompt and diffusion settings; absent fields leave the parameter alone.
type Preset struct {
	Name     string   `yaml:"name"`
	Prompt   *string  `yaml:"prompt,omitempty"`
	Negative *string  `yaml:"negative,omitempty"`
	Seed     *int64   `yaml:"seed,omitempty"`
	Strength *float64 `yaml:"strength,omitempty"`
	Steps    *int     `yaml:"steps,omitempty"`
	Guidance *float64 `yaml:"guidance,omitempty"`
}

// Presets is a parsed presets file, in file order.
type Presets struct {
	File string
	List []Preset
}

// LoadPresets reads and parses a presets file.
func LoadPresets(file string) (*Presets, error) {
	b, err := ReadFile(file)
	if err != nil {
		return nil, fmt.Errorf("presets %s: %w", file, err)
	}
	return ParsePresets(file, b)
}

// ParsePresets parses presets YAML strictly; every preset is checked against the
// parameter limits so a bad value is reported at load, not mid-show.
func ParsePresets(file string, data []byte) (*Presets, error) {
	var ps PresetsSpec
	root, err := decodeStrict(file, data, &ps)
	if err != nil {
		return nil, err
	}
	seq := child(root, "presets")
	seen := map[string]bool{}
	for i, p := range ps.Presets {
		n := item(seq, i)
		switch {
		case p.Name == "":
			return nil, posErr(file, n, "", "preset without name")
		case seen[p.Name]:
			return nil, posErr(file, n, "name", "duplicate preset %q", p.Name)
		}
		seen[p.Name] = true
		var tmp engine.Params
		if err := p.ApplyTo(&tmp); err != nil {
			return nil, posErr(file, n, "", "preset %q: %v", p.Name, err)
		}
	}
	return &Presets{File: file, List: ps.Presets}, nil
}

// ApplyTo copies the preset's fields into p (through the validating setters) and selects it.
func (pr *Preset) ApplyTo(p *engine.Params) error {
	if pr.Prompt != nil {
		if err := p.SetString("prompt", *pr.Prompt); err != nil {
			return err
		}
	}
	if pr.Negative != nil {
		if err := p.SetString("negative", *pr.Negative); err != nil {
			return err
		}
	}
	for name, v := range map[string]*float64{"strength": pr.Strength, "guidance": pr.Guidance} {
		if v != nil {
			if _, err := p.SetNumber(name, *v); err != nil {
				return err
			}
		}
	}
	if pr.Seed != nil {
		if _, err := p.SetNumber("seed", float64(*pr.Seed)); err != nil {
			return err
		}
	}
	if pr.Steps != nil {
		if _, err := p.SetNumber("steps", float64(*pr.Steps)); err != nil {
			return err
		}
	}
	return p.SetString("preset", pr.Name)
}

// Find returns the preset called name and its index.
func (ps *Presets) Find(name string) (*Preset, int, error) {
	if ps != nil {
		for i := range ps.List {
			if ps.List[i].Name == name {
				return &ps.List[i], i, nil
			}
		}
	}
	return nil, -1, fmt.Errorf("%w %q", ErrUnknownPreset, name)
}

// At returns preset i.
func (ps *Presets) At(i int) (*Preset, error) {
	if ps == nil || i < 0 || i >= len(ps.List) {
		return nil, fmt.Errorf("%w #%d", ErrUnknownPreset, i)
	}
	return &ps.List[i], nil
}

// Len is the number of presets.
func (ps *Presets) Len() int {
	if ps == nil {
		return 0
	}
	return len(ps.List)
}
