package control

import (
	"errors"
	"path/filepath"

	"github.com/vivid-ml/vivid-ml-engine/mapping"
)

// Reload re-reads every mapping and presets file (SIGHUP). Each valid file replaces
// its old rules at once; an invalid one keeps the old rules and is reported in the
// log and as /vivid/error. Models are never touched. It returns the first error.
func (c *Controller) Reload() error {
	if c.watcher != nil {
		c.watcher.Rearm() // follow folders and links that changed under a missed event
	}
	var errs []error
	for _, f := range c.cfg.MappingFiles {
		errs = append(errs, c.reloadOne(f))
	}
	if c.cfg.PresetsFile != "" {
		errs = append(errs, c.reloadOne(c.cfg.PresetsFile))
	}
	return errors.Join(errs...)
}

// reloadFile is the watcher's callback.
func (c *Controller) reloadFile(path string) { c.reloadOne(path) }

// ReloadFile re-reads one mapping or presets file (a file watch event seen by whoever owns
// reloading); like Reload, an invalid file keeps the old rules and is reported.
func (c *Controller) ReloadFile(path string) error { return c.reloadOne(path) }

func (c *Controller) reloadOne(path string) error {
	if path == c.cfg.PresetsFile {
		p, err := mapping.LoadPresets(path)
		if err != nil {
			return c.reloadFailed(path, err)
		}
		c.mu.Lock()
		c.presets.Store(p)
		c.noteLoaded(path, "presets", p.Len())
		c.mu.Unlock()
		c.reloadOK(path, p.Len())
		return nil
	}
	m, err := mapping.Load(path)
	if err != nil {
		return c.reloadFailed(path, err)
	}
	c.mu.Lock()
	for i, f := range c.cfg.MappingFiles {
		if filepath.Clean(f) == filepath.Clean(path) {
			c.mappings[i] = m
			c.noteLoaded(f, "mapping", len(m.Rules))
		}
	}
	c.rebuildRules()
	c.mu.Unlock()
	c.midi.want(c.portSpec())
	c.reloadOK(path, len(m.Rules))
	return nil
}

func (c *Controller) reloadOK(path string, rules int) {
	c.st.reloadsOK.Add(1)
	c.log.Info("reloaded", "file", path, "rules", rules)
}

func (c *Controller) reloadFailed(path string, err error) error {
	c.st.reloadsFailed.Add(1)
	c.log.Error("reload rejected, keeping the previous version", "file", path, "err", err)
	c.mu.Lock()
	c.noteRejected(path, err)
	c.reportError(err.Error())
	c.mu.Unlock()
	return err
}

// portSpec is the MIDI port wanted: the flag, else the first mapping file naming one.
func (c *Controller) portSpec() mapping.PortSpec {
	ps := mapping.PortSpec{Port: c.cfg.MIDIIn, Out: c.cfg.MIDIOut}
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, m := range c.mappings {
		if m != nil && m.MIDI != nil {
			if ps.Port == "" {
				ps.Port = m.MIDI.Port
			}
			if ps.Out == "" {
				ps.Out = m.MIDI.Out
			}
		}
	}
	if ps.Out == "" {
		ps.Out = ps.Port
	}
	return ps
}
