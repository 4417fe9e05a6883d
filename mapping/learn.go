package mapping

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"

	"go.yaml.in/yaml/v4"

	"github.com/vivid-ml/vivid-ml-engine/internal/strictyaml"
)

// AppendRule adds rule to the mapping file atomically (write a temp file in the
// same directory, then rename over the real one; a symlink's target is replaced).
// Rules with the same source are replaced, so learning a control twice rebinds it.
// Comments and the other rules are kept. A missing file is created.
func AppendRule(file string, rule RuleSpec) error {
	path := file
	if r, err := filepath.EvalSymlinks(file); err == nil {
		path = r
	}
	var root yaml.Node
	data, err := ReadFile(path)
	switch {
	case os.IsNotExist(err):
		data = nil
	case err != nil:
		return err
	}
	if len(bytes.TrimSpace(data)) > 0 {
		r, err := strictyaml.Parse(data)
		if err != nil {
			return yamlPosError(file, err)
		}
		root = *r
	}
	if root.Kind == 0 {
		root = yaml.Node{Kind: yaml.DocumentNode, Content: []*yaml.Node{{Kind: yaml.MappingNode}}}
	}
	doc := root.Content[0]
	if doc.Kind != yaml.MappingNode {
		return &PosError{File: file, Line: doc.Line, Column: doc.Column, Msg: "top level is not a mapping", Err: ErrInvalid}
	}
	rules := child(doc, "rules")
	if rules == nil {
		rules = &yaml.Node{Kind: yaml.SequenceNode}
		doc.Content = append(doc.Content, &yaml.Node{Kind: yaml.ScalarNode, Value: "rules"}, rules)
	}
	var rn yaml.Node
	if err := rn.Encode(rule); err != nil {
		return fmt.Errorf("encoding learned rule: %w", err)
	}
	want := sourceKey(rule)
	kept := rules.Content[:0]
	for _, it := range rules.Content {
		var old RuleSpec
		if it.Decode(&old) == nil && sourceKey(old) == want {
			continue
		}
		kept = append(kept, it)
	}
	kept = append(kept, &rn)
	rules.Content = kept
	out, err := yaml.Marshal(&root)
	if err != nil {
		return fmt.Errorf("encoding mapping: %w", err)
	}
	if len(out) > MaxFileSize {
		return fmt.Errorf("%w: with the learned rule the file would be %d bytes, over the %d-byte limit", ErrTooLarge, len(out), MaxFileSize)
	}
	if _, err := Parse(file, out); err != nil {
		return fmt.Errorf("learned mapping does not parse: %w", err)
	}
	return writeAtomic(path, out)
}

// sourceKey identifies a rule's source, for replacing a rule bound to the same control.
func sourceKey(r RuleSpec) string {
	if r.OSC != nil {
		return fmt.Sprintf("osc %s %d", r.OSC.Address, r.OSC.Arg)
	}
	if m := r.MIDI; m != nil {
		pi := func(p *int) int {
			if p == nil {
				return -1
			}
			return *p
		}
		pg := -2
		if m.Program != nil {
			pg = m.Program.Number
		}
		return fmt.Sprintf("midi %d %d %d %d %d %d %v", m.Channel, pi(m.CC), pi(m.CC14), pi(m.NRPN), pi(m.Note), pg, m.PitchBend)
	}
	return ""
}

func writeAtomic(path string, data []byte) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if st, err := os.Stat(path); err == nil {
		os.Chmod(tmp.Name(), st.Mode().Perm())
	}
	return os.Rename(tmp.Name(), path)
}
