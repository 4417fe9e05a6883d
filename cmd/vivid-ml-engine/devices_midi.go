package main

import (
	"context"
	"flag"
	"fmt"
	"os"

	"github.com/vivid-ml/vivid-ml-engine/internal/app"
)

// devicesMIDI lists MIDI input and output ports (each listed once: RtMidi creates
// a client per listing). Without ports it says so; without a backend it says why.
func devicesMIDI(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("devices midi", flag.ContinueOnError)
	if err := fs.Parse(args); err != nil {
		return errUsage
	}
	ins, outs, err := app.MIDIPorts()
	if err != nil {
		return err
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
