package main

import (
	"context"
	"flag"
	"fmt"
	"os"

	"github.com/vivid-ml/vivid-ml-engine/control"
	"github.com/vivid-ml/vivid-ml-engine/internal/app"
)

// devicesMIDI lists MIDI input and output ports (each listed once: RtMidi creates
// a client per listing). Without ports it says so; without a backend it says why.
func devicesMIDI(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("devices midi", flag.ContinueOnError)
	if err := fs.Parse(args); err != nil {
		return errUsage
	}
	drv, err := app.MIDIDriver()
	if err != nil {
		return err
	}
	ins, err := drv.Ins()
	if err != nil {
		return fmt.Errorf("listing MIDI inputs failed: no usable MIDI system (on Linux: is there /dev/snd/seq?)")
	}
	outs, err := drv.Outs()
	if err != nil {
		return fmt.Errorf("listing MIDI outputs failed: %s", control.CleanMIDIError(err))
	}
	if len(ins) == 0 && len(outs) == 0 {
		fmt.Println("no MIDI ports")
		return nil
	}
	for _, p := range ins {
		fmt.Printf("in\t%d\t%s\n", p.Number(), p.String())
	}
	for _, p := range outs {
		fmt.Printf("out\t%d\t%s\n", p.Number(), p.String())
	}
	fmt.Fprintln(os.Stderr, "open a port with --midi-in NAME (any part of the name)")
	return nil
}
