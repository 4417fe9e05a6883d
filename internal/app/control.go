package app

import (
	"fmt"

	"github.com/vivid-ml/vivid-ml-engine/control"
	"github.com/vivid-ml/vivid-ml-engine/engine"
	"github.com/vivid-ml/vivid-ml-engine/internal/conf"
)

// startControl starts the control subsystem of a run from the control section. Its files
// are not watched by control itself: the run's reloader owns every reload (file watch,
// SIGHUP, /vivid/reload; onReload is what /vivid/reload calls).
func startControl(o conf.Control, env *runEnv, onReload func()) (*control.Controller, error) {
	cfg := control.Config{
		Logger:       env.Logger,
		Params:       env.Params,
		Feedback:     o.Feedback,
		MappingFiles: o.Mappings,
		PresetsFile:  o.Presets,
		MIDIIn:       o.MIDIIn,
		MIDIOut:      o.MIDIOut,
		NoWatch:      true,
		OnReload:     onReload,
	}
	if o.OSCIn != "off" && o.OSCIn != "" {
		cfg.OSCListen = o.OSCIn
	}
	for _, a := range o.OSCAllow {
		p, err := conf.ParseAllow(a)
		if err != nil {
			return nil, fmt.Errorf("--osc-allow %q: %w", a, err)
		}
		cfg.OSCAllow = append(cfg.OSCAllow, p)
	}
	drv, err := MIDIDriver()
	if err != nil {
		if o.MIDIIn != "" || len(o.Mappings) > 0 {
			env.Logger.Warn("MIDI disabled", "err", err)
		}
	} else {
		cfg.MIDIDriver = drv
		cfg.MIDIPortNames = MIDIPortNames()
	}
	if env.Stats != nil {
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
	return c, nil
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
