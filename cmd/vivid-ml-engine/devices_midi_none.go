//go:build !cgo || nomidi

package main

import (
	"gitlab.com/gomidi/midi/v2/drivers"

	"github.com/vivid-ml/vivid-ml-engine/control"
)

// midiDriver reports that this build has no MIDI backend (built without cgo or with -tags nomidi).
func midiDriver() (drivers.Driver, error) { return nil, control.ErrNoMIDIBackend }

// midiPortNames is nil without a MIDI backend.
func midiPortNames() func() ([]string, error) { return nil }
