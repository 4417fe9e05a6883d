package control

import (
	"time"
)

// FileState is what the status page shows of one mapping or presets file.
type FileState struct {
	Path      string    `json:"path"`
	Kind      string    `json:"kind"`  // "mapping" or "presets"
	Rules     int       `json:"rules"` // rules (or presets) in force from this file
	LoadedAt  time.Time `json:"loaded_at"`
	LastError string    `json:"last_error,omitempty"` // the last rejected version: FILE:LINE:COLUMN: message
	ErrorAt   time.Time `json:"error_at,omitzero"`
}

// State is the controller's state for the status page.
type State struct {
	Files    []FileState `json:"files"`
	Learning string      `json:"learning,omitempty"` // parameter waiting for a control to move, "" when not learning
	Learned  uint64      `json:"learned"`
	Refused  uint64      `json:"learn_refused"`
}

// State returns the files in force with their last errors, and the learn state.
func (c *Controller) State() State {
	c.mu.Lock()
	defer c.mu.Unlock()
	st := State{Learning: c.learning, Learned: c.st.learned.Load(), Refused: c.st.learnRefused.Load()}
	for _, f := range c.fileOrder() {
		if fs := c.files[f]; fs != nil {
			st.Files = append(st.Files, *fs)
		}
	}
	return st
}

// fileOrder is the mapping files in flag order, then the presets file.
func (c *Controller) fileOrder() []string {
	out := append([]string(nil), c.cfg.MappingFiles...)
	if c.cfg.PresetsFile != "" {
		out = append(out, c.cfg.PresetsFile)
	}
	return out
}

// noteLoaded records a file now in force. Caller holds mu.
func (c *Controller) noteLoaded(path, kind string, n int) {
	if c.files == nil {
		c.files = map[string]*FileState{}
	}
	fs := c.files[path]
	if fs == nil {
		fs = &FileState{Path: path, Kind: kind}
		c.files[path] = fs
	}
	fs.Rules, fs.LoadedAt = n, time.Now()
	fs.LastError, fs.ErrorAt = "", time.Time{}
}

// noteRejected records a rejected version of a file (the previous one stays in force). Caller holds mu.
func (c *Controller) noteRejected(path string, err error) {
	if c.files == nil {
		c.files = map[string]*FileState{}
	}
	fs := c.files[path]
	if fs == nil {
		fs = &FileState{Path: path, Kind: "mapping"}
		if path == c.cfg.PresetsFile {
			fs.Kind = "presets"
		}
		c.files[path] = fs
	}
	fs.LastError, fs.ErrorAt = err.Error(), time.Now()
}
