//go:build cgo && !nomidi

package main

import (
	"gitlab.com/gomidi/midi/v2/drivers"
	"gitlab.com/gomidi/midi/v2/drivers/rtmididrv"
)

// midiDriver returns the platform MIDI driver (RtMidi: ALSA, CoreMIDI, WinMM).
func midiDriver() (drivers.Driver, error) { return rtmididrv.New() }
