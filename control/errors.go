// Package control receives OSC and MIDI, runs them through the built-in OSC API
// and the mapping rules into the parameter snapshot, and sends feedback to controllers.
package control

import "errors"

// ErrNoMIDIBackend means the binary was built without a MIDI driver (no cgo, or the nomidi tag).
var ErrNoMIDIBackend = errors.New("no MIDI backend in this build (needs cgo and ALSA/CoreMIDI/WinMM; rebuild with CGO_ENABLED=1)")

// ErrNoMIDIPort means no MIDI port matched the requested name.
var ErrNoMIDIPort = errors.New("no MIDI port")

// ErrBadArgs means an OSC message had the wrong argument types for its address.
var ErrBadArgs = errors.New("bad osc arguments")
