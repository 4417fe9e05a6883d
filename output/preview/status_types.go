package preview

import "time"

// ParamStatus is one live parameter under its OSC address, with its range.
type ParamStatus struct {
	Address string   `json:"address"` // e.g. /vivid/strength
	Kind    string   `json:"kind"`    // float, int, on/off, text
	Value   any      `json:"value"`
	Min     *float64 `json:"min,omitempty"`
	Max     *float64 `json:"max,omitempty"`
	// Operators are the running operators that read it (from their declarations); empty:
	// engine-wide (paused) or read by an operator this run does not have.
	Operators []string `json:"operators,omitempty"`
}

// FileStatus is a mapping or presets file: how many rules it put in force and the
// last rejected version's error (FILE:LINE:COLUMN: message).
type FileStatus struct {
	Path      string    `json:"path"`
	Kind      string    `json:"kind"`
	Rules     int       `json:"rules"`
	LastError string    `json:"last_error,omitempty"`
	ErrorAt   time.Time `json:"error_at,omitzero"`
}

// LearnStatus is MIDI/OSC learn: the parameter waiting for a control ("" when not learning).
type LearnStatus struct {
	Target  string `json:"target"`
	Learned uint64 `json:"learned"`
	Refused uint64 `json:"refused"`
}

// ModelStatus is the execution provider (backend) a model runs on.
type ModelStatus struct {
	Model    string `json:"model"`
	Provider string `json:"provider"`
}
