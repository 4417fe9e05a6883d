//go:build !cgo || nomidi

package app

import (
	"gitlab.com/gomidi/midi/v2/drivers"

	"github.com/vivid-ml/vivid-ml-engine/control"
)

// MIDIDriver reports that this build has no MIDI backend (built without cgo or with -tags nomidi).
func MIDIDriver() (drivers.Driver, error) { return nil, control.ErrNoMIDIBackend }

// MIDIPortNames is nil without a MIDI backend.
func MIDIPortNames() func() ([]string, error) { return nil }
