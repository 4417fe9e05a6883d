// Package control receives OSC and MIDI, runs them through the built-in OSC API
// and the mapping rules into the parameter snapshot, and sends feedback to controllers.
package control

import "errors"

// ErrNoMIDIBackend means the binary was built without a MIDI driver (no cgo, or the nomidi tag).
var ErrNoMIDIBackend = errors.New("no MIDI backend in this build (built without cgo or with -tags nomidi; MIDI needs a cgo build with RtMidi: ALSA, CoreMIDI or WinMM)")

// ErrNoMIDIPort means no MIDI port matched the requested name.
var ErrNoMIDIPort = errors.New("no MIDI port")

// ErrBadArgs means an OSC message had the wrong argument types for its address.
var ErrBadArgs = errors.New("bad osc arguments")

// ErrLearnRate means a source learned more rules than the learn rate allows.
var ErrLearnRate = errors.New("learning too fast")
