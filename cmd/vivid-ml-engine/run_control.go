package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"net/netip"
	"strings"

	"github.com/vivid-ml/vivid-ml-engine/control"
)

// defaultOSCIn is where `run` receives OSC unless --osc-in says otherwise (loopback only).
const defaultOSCIn = "127.0.0.1:9001"

// stringList is a repeatable string flag.
type stringList []string

func (s *stringList) String() string     { return strings.Join(*s, ",") }
func (s *stringList) Set(v string) error { *s = append(*s, v); return nil }

// controlOptions holds the `run` flags of the control subsystem.
type controlOptions struct {
	oscIn    string
	oscAllow stringList
	feedback stringList
	mappings stringList
	presets  string
	midiIn   string
	midiOut  string

	// Status, when set by `run` before startControl, feeds /vivid/status (fps, latency, drops).
	Status func() control.Status
}

// registerControlFlags adds the control flags to run's flag set.
func registerControlFlags(fs *flag.FlagSet) *controlOptions {
	o := &controlOptions{}
	fs.StringVar(&o.oscIn, "osc-in", defaultOSCIn, "receive OSC control on `ADDR:PORT` (a multicast group joins it; \"off\" disables)")
	fs.Var(&o.oscAllow, "osc-allow", "accept OSC only from this `CIDR` (repeatable; default: anyone who can reach --osc-in)")
	fs.Var(&o.feedback, "feedback", "send parameter feedback and /vivid/status to `HOST:PORT` (repeatable)")
	fs.Var(&o.mappings, "mapping", "mapping `FILE` (YAML, reloaded live; repeatable; MIDI learn writes to the first)")
	fs.StringVar(&o.presets, "presets", "", "presets `FILE` (YAML, reloaded live)")
	fs.StringVar(&o.midiIn, "midi-in", "", "open the MIDI input whose name contains `NAME` (default: the mapping file's midi.port)")
	fs.StringVar(&o.midiOut, "midi-out", "", "send LED/fader feedback to the MIDI output whose name contains `NAME` (default: as input; \"none\" disables)")
	return o
}

// startControl starts the control subsystem for `run`. The returned closer is a
// *control.Controller: its Reload (wire SIGHUP to it) and Stats (for /metrics) are for run.
func startControl(ctx context.Context, o *controlOptions, env *runEnv) (io.Closer, error) {
	cfg := control.Config{
		Logger:       env.Logger,
		Params:       env.Params,
		Feedback:     o.feedback,
		MappingFiles: o.mappings,
		PresetsFile:  o.presets,
		MIDIIn:       o.midiIn,
		MIDIOut:      o.midiOut,
		Status:       o.Status,
	}
	if o.oscIn != "off" && o.oscIn != "" {
		cfg.OSCListen = o.oscIn
	}
	for _, a := range o.oscAllow {
		p, err := netip.ParsePrefix(a)
		if err != nil {
			addr, err2 := netip.ParseAddr(a)
			if err2 != nil {
				return nil, fmt.Errorf("--osc-allow %q: %w", a, err)
			}
			p = netip.PrefixFrom(addr, addr.BitLen())
		}
		cfg.OSCAllow = append(cfg.OSCAllow, p)
	}
	drv, err := midiDriver()
	if err != nil {
		if o.midiIn != "" || len(o.mappings) > 0 {
			env.Logger.Warn("MIDI disabled", "err", err)
		}
	} else {
		cfg.MIDIDriver = drv
		cfg.MIDIPortNames = midiPortNames()
	}
	c, err := control.New(cfg)
	if err != nil {
		return nil, err
	}
	if a := c.OSCAddr(); a != nil {
		env.Logger.Info("osc control in", "addr", a.String())
	}
	return c, nil
}
