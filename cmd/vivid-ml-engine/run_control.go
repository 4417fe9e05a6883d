package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/vivid-ml/vivid-ml-engine/control"
	"github.com/vivid-ml/vivid-ml-engine/engine"
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
// *controlHandle: SIGHUP reloads the mapping and presets files; its embedded
// *control.Controller has Stats (for /metrics) and Reload.
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
		p, err := parseAllow(a)
		if err != nil {
			return nil, fmt.Errorf("--osc-allow %q: %w", a, err)
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
	if cfg.Status == nil && env.Stats != nil {
		cfg.Status = func() control.Status { return engineStatus(env.Stats()) }
	}
	c, err := control.New(cfg)
	if err != nil {
		return nil, err
	}
	if a := c.OSCAddr(); a != nil {
		env.Logger.Info("osc control in", "addr", a.String())
	}
	env.ControlState = c.State
	h := &controlHandle{Controller: c, stop: make(chan struct{}), done: make(chan struct{})}
	go h.reloadOnHUP(env.Logger)
	return h, nil
}

// engineStatus turns the frame loop's counters into /vivid/status values.
func engineStatus(s engine.Stats) control.Status {
	st := control.Status{
		FPS:       map[string]float64{"capture": s.Capture.FPS, "pose": s.Stage("pose").FPS},
		LatencyMs: s.Loop.AgeMs,
		Drops:     s.Capture.Drops,
	}
	var age float64
	for _, o := range s.Operators { // every operator that has produced: pose is always listed, as before
		st.Drops += o.Drops
		age = max(age, o.AgeMs)
		if o.Frames > 0 {
			st.FPS[o.Name] = o.FPS
		}
	}
	if st.LatencyMs == 0 {
		st.LatencyMs = age
	}
	return st
}

// controlHandle is what startControl returns: the controller (Reload, Stats for
// /metrics) plus a SIGHUP handler that reloads mapping and presets files.
type controlHandle struct {
	*control.Controller
	stop, done chan struct{}
}

func (h *controlHandle) reloadOnHUP(log *slog.Logger) {
	defer close(h.done)
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)
	for {
		select {
		case <-h.stop:
			return
		case <-hup:
			log.Info("SIGHUP: reloading mapping and presets files")
			h.Reload() // errors are logged and sent as /vivid/error by the controller
		}
	}
}

// Close stops the SIGHUP handler and the controller, waiting for both.
func (h *controlHandle) Close() error {
	close(h.stop)
	<-h.done
	return h.Controller.Close()
}
