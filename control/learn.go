package control

import (
	"fmt"

	"github.com/vivid-ml/vivid-ml-engine/engine"
	"github.com/vivid-ml/vivid-ml-engine/mapping"
)

// startLearn arms MIDI/OSC learn: the next control that moves is bound to target. Caller holds mu.
func (c *Controller) startLearn(target string) error {
	s, ok := engine.LookupParam(target)
	if !ok || s.Kind == engine.KindString {
		return fmt.Errorf("learn: %w %q (want a numeric or on/off parameter)", engine.ErrUnknownParam, target)
	}
	c.learning = target
	c.log.Info("learn: move a control", "target", target)
	return nil
}

// isLearnControl reports whether in comes from a control bound to the learn action
// (its own release must not be learned).
func (c *Controller) isLearnControl(in mapping.Input) bool {
	for _, r := range c.Rules() {
		if r.Spec.Action == "learn" && r.Matches(in) {
			return true
		}
	}
	return false
}

// learnMIDI binds a MIDI event while learning; it reports whether it consumed ev. Caller holds mu.
func (c *Controller) learnMIDI(ev mapping.MIDIEvent) bool {
	if c.learning == "" || c.isLearnControl(mapping.Input{MIDI: &ev}) {
		return false
	}
	src := &mapping.MIDISource{Channel: ev.Channel}
	n := ev.Number
	switch ev.Kind {
	case mapping.MIDICC:
		switch n {
		case 6, 38, 98, 99, 100, 101: // (N)RPN plumbing: wait for the NRPN event
			return true
		}
		src.CC = &n
	case mapping.MIDINRPN:
		src.NRPN = &n
	case mapping.MIDINoteOn:
		src.Note = &n
	case mapping.MIDIPitchBend:
		src.PitchBend = true
	default:
		return false
	}
	rule := mapping.RuleSpec{MIDI: src}
	if s, _ := engine.LookupParam(c.learning); s.Kind == engine.KindBool && src.Note != nil {
		rule.Button = "toggle"
	}
	c.learn(rule)
	return true
}

// learn completes learning with rule's source: it writes the rule to the first
// mapping file (atomically; the watcher then reloads it) and puts it in force now.
func (c *Controller) learn(rule mapping.RuleSpec) {
	rule.Target = c.learning
	c.learning = ""
	c.st.learned.Add(1)
	desc := "osc"
	if rule.MIDI != nil {
		desc = "midi"
	}
	if len(c.cfg.MappingFiles) > 0 {
		file := c.cfg.MappingFiles[0]
		if err := mapping.AppendRule(file, rule); err != nil {
			c.log.Error("learn: writing mapping file", "file", file, "err", err)
			c.reportError(fmt.Sprintf("learn: %v", err))
		} else if m, err := mapping.Load(file); err == nil {
			c.mappings[0] = m
			c.rebuildRules()
			c.log.Info("learned", "target", rule.Target, "source", desc, "file", file)
			return
		}
	}
	r, err := mapping.CompileRule("(learned)", rule)
	if err != nil {
		c.reportError(fmt.Sprintf("learn: %v", err))
		return
	}
	c.learned = append(c.learned, r)
	c.rebuildRules()
	c.log.Info("learned (not saved: no --mapping file)", "target", rule.Target, "source", desc)
}
