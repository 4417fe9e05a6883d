package control

import (
	"fmt"
	"time"

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

// Learned rules per source (an OSC sender's address, or MIDI): a burst, then one
// every learnEvery. Learning is a human gesture; a flood of it is not.
const (
	learnBurst = 8
	learnEvery = 6 * time.Second
	maxLearned = 64 // rules learned without a file to write them to
)

// learn completes learning with rule's source: it writes the rule to the first
// mapping file (atomically; the watcher then reloads it) and puts it in force now.
// A rule that would push the file past mapping.MaxFileSize, or a source learning
// faster than the rate, is refused and reported on /vivid/error; the file is never
// left unloadable.
func (c *Controller) learn(rule mapping.RuleSpec) {
	rule.Target = c.learning
	c.learning = ""
	desc, key := "osc", "osc "+c.replyTo.Addr().Unmap().String()
	if rule.MIDI != nil {
		desc, key = "midi", "midi"
	}
	if !c.learnBy.allow(key, time.Now(), learnBurst, learnEvery) {
		c.learnRefused(fmt.Errorf("learn: %w: more than %d rules from %s (one more every %s)", ErrLearnRate, learnBurst, key, learnEvery))
		return
	}
	if len(c.cfg.MappingFiles) > 0 {
		file := c.cfg.MappingFiles[0]
		if err := mapping.AppendRule(file, rule); err != nil {
			c.learnRefused(fmt.Errorf("learn: %s not written: %w", file, err))
			return
		}
		m, err := mapping.Load(file)
		if err != nil {
			c.learnRefused(fmt.Errorf("learn: %s written but not loaded: %w", file, err))
			return
		}
		c.mappings[0] = m
		c.noteLoaded(file, "mapping", len(m.Rules))
		c.rebuildRules()
		c.st.learned.Add(1)
		c.log.Info("learned", "target", rule.Target, "source", desc, "file", file)
		return
	}
	if len(c.learned) >= maxLearned {
		c.learnRefused(fmt.Errorf("learn: %w: already %d rules learned without a --mapping file", ErrLearnRate, maxLearned))
		return
	}
	r, err := mapping.CompileRule("(learned)", rule)
	if err != nil {
		c.learnRefused(fmt.Errorf("learn: %w", err))
		return
	}
	c.learned = append(c.learned, r)
	c.rebuildRules()
	c.st.learned.Add(1)
	c.log.Info("learned (not saved: no --mapping file)", "target", rule.Target, "source", desc)
}

// learnRefused logs, counts and reports a learned rule that was not taken. Caller holds mu.
func (c *Controller) learnRefused(err error) {
	c.st.learnRefused.Add(1)
	c.log.Error("learned rule refused", "err", err)
	c.reportError(err.Error())
}
