//go:build cgo && !nomidi

package app

import (
	"sync"

	"gitlab.com/gomidi/midi/v2/drivers"
	"gitlab.com/gomidi/midi/v2/drivers/rtmididrv"
	"gitlab.com/gomidi/midi/v2/drivers/rtmididrv/imported/rtmidi"
)

// MIDIDriver returns the platform MIDI driver (RtMidi: ALSA, CoreMIDI, WinMM).
func MIDIDriver() (drivers.Driver, error) { return rtmididrv.New() }

// MIDIPortNames returns a lister that reuses one RtMidi input client for every
// listing: rtmididrv's Ins() creates (and never frees) a client per call, which the
// replug poll would otherwise leak every few seconds.
func MIDIPortNames() func() ([]string, error) {
	var mu sync.Mutex
	var in rtmidi.MIDIIn
	return func() ([]string, error) {
		mu.Lock()
		defer mu.Unlock()
		if in == nil {
			c, err := rtmidi.NewMIDIInDefault()
			if err != nil {
				return nil, err
			}
			in = c
		}
		n, err := in.PortCount()
		if err != nil {
			return nil, err
		}
		names := make([]string, 0, n)
		for i := range n {
			if s, err := in.PortName(i); err == nil {
				names = append(names, s)
			}
		}
		return names, nil
	}
}
