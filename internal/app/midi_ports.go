package app

import (
	"errors"
	"fmt"

	"gitlab.com/gomidi/midi/v2/drivers"

	"github.com/vivid-ml/vivid-ml-engine/control"
)

// MIDIPorts lists the MIDI input and output ports once (`devices midi`): RtMidi creates a
// client per listing. Without a MIDI backend the error says why; a failed listing says
// what to look at.
func MIDIPorts() ([]drivers.In, []drivers.Out, error) {
	drv, err := MIDIDriver()
	if err != nil {
		return nil, nil, err
	}
	ins, err := drv.Ins()
	if err != nil {
		return nil, nil, errors.New("listing MIDI inputs failed: no usable MIDI system (on Linux: is there /dev/snd/seq?)")
	}
	outs, err := drv.Outs()
	if err != nil {
		return nil, nil, fmt.Errorf("listing MIDI outputs failed: %s", control.CleanMIDIError(err))
	}
	return ins, outs, nil
}
