package control

import (
	"fmt"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"gitlab.com/gomidi/midi/v2"
	"gitlab.com/gomidi/midi/v2/drivers"

	"github.com/vivid-ml/vivid-ml-engine/mapping"
)

// midiPorts keeps the wanted MIDI input (and feedback output) open across unplug
// and replug: poll lists ports once per call, (re)opens when the port appears and
// closes when it disappears. Listing is cheap on testdrv but creates a client on
// rtmididrv, hence the slow poll.
type midiPorts struct {
	c    *Controller
	drv  drivers.Driver
	odrv drivers.Driver

	mu     sync.Mutex
	spec   mapping.PortSpec
	in     drivers.In
	stop   func()
	out    drivers.Out
	warned string

	// Listing failures (no MIDI system at all) back off up to a minute: each RtMidi
	// attempt prints ALSA's complaint on stderr.
	backoff time.Duration
	nextTry time.Time
}

func newMIDIPorts(c *Controller) *midiPorts {
	p := &midiPorts{c: c, drv: c.cfg.MIDIDriver, odrv: c.cfg.MIDIOutDriver}
	if p.odrv == nil {
		p.odrv = p.drv
	}
	p.spec = c.portSpec()
	return p
}

// want changes the wanted ports (after a mapping reload); the next poll applies it.
func (p *midiPorts) want(s mapping.PortSpec) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if s != p.spec {
		p.spec = s
		p.closeLocked()
	}
}

// poll opens the wanted ports if they are present, and closes vanished ones.
func (p *midiPorts) poll() {
	if p.drv == nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.spec.Port == "" {
		return
	}
	if time.Now().Before(p.nextTry) {
		return
	}
	names, err := p.list()
	if err != nil {
		p.backoff = min(max(2*p.backoff, p.c.cfg.MIDIPoll), time.Minute)
		p.nextTry = time.Now().Add(p.backoff)
		p.warnOnce("listing MIDI inputs failed: no usable MIDI system (on Linux: is there /dev/snd/seq?); will keep trying")
		return
	}
	p.backoff = 0
	name := ""
	for _, n := range names {
		if strings.Contains(n, p.spec.Port) {
			name = n
			break
		}
	}
	if p.in != nil {
		if name != p.in.String() {
			p.c.log.Warn("MIDI input gone", "port", p.in.String())
			p.closeLocked()
		}
		return
	}
	if name == "" {
		p.warnOnce(fmt.Sprintf("%v matching %q (will keep looking)", ErrNoMIDIPort, p.spec.Port))
		return
	}
	ins, err := p.drv.Ins() // only when opening: see Config.MIDIPortNames
	if err != nil {
		p.warnOnce("listing MIDI inputs failed: " + CleanMIDIError(err))
		return
	}
	var found drivers.In
	for _, in := range ins {
		if in.String() == name {
			found = in
			break
		}
	}
	if found == nil {
		return
	}
	stop, err := midi.ListenTo(found, func(msg midi.Message, _ int32) { p.c.HandleMIDI(msg) })
	if err != nil {
		p.warnOnce(fmt.Sprintf("opening MIDI input %q: %s", found.String(), CleanMIDIError(err)))
		return
	}
	p.in, p.stop, p.warned = found, stop, ""
	p.c.log.Info("MIDI input open", "port", found.String())
	if p.spec.Out != "none" && p.spec.Out != "" {
		p.openOut()
	}
}

// list returns the input port names.
func (p *midiPorts) list() ([]string, error) {
	if f := p.c.cfg.MIDIPortNames; f != nil {
		return f()
	}
	ins, err := p.drv.Ins()
	if err != nil {
		return nil, err
	}
	names := make([]string, len(ins))
	for i, in := range ins {
		names[i] = in.String()
	}
	return names, nil
}

func (p *midiPorts) openOut() {
	outs, err := p.odrv.Outs()
	if err != nil {
		return
	}
	for _, o := range outs {
		if strings.Contains(o.String(), p.spec.Out) {
			if err := o.Open(); err != nil {
				p.c.log.Warn("opening MIDI output", "port", o.String(), "err", err)
				return
			}
			p.out = o
			p.c.log.Info("MIDI output open", "port", o.String())
			return
		}
	}
}

func (p *midiPorts) warnOnce(msg string) {
	if msg != p.warned {
		p.c.log.Warn(msg)
		p.warned = msg
	}
}

// send writes a feedback message to the MIDI output, if one is open.
func (p *midiPorts) send(b []byte) {
	p.mu.Lock()
	out := p.out
	p.mu.Unlock()
	if out == nil {
		return
	}
	if err := out.Send(b); err != nil {
		p.c.st.fbErrors.Add(1)
		return
	}
	p.c.st.fbSent.Add(1)
}

func (p *midiPorts) closeLocked() {
	if p.stop != nil {
		p.stop()
		p.stop = nil
	}
	if p.in != nil {
		p.in.Close()
		p.in = nil
	}
	if p.out != nil {
		p.out.Close()
		p.out = nil
	}
}

func (p *midiPorts) close() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.closeLocked()
}

// HandleMIDI applies one raw MIDI message (from the input port, or a test).
func (c *Controller) HandleMIDI(msg []byte) {
	c.st.midiMessages.Add(1)
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, ev := range c.midiDec.Decode(msg) {
		if c.learnMIDI(ev) {
			continue
		}
		c.evalRules(mapping.Input{MIDI: &ev})
	}
}

// MIDIInPort is the name of the open MIDI input, "" when none is open.
func (c *Controller) MIDIInPort() string {
	c.midi.mu.Lock()
	defer c.midi.mu.Unlock()
	if c.midi.in == nil {
		return ""
	}
	return c.midi.in.String()
}

// CleanMIDIError returns err's text with unprintable bytes removed: RtMidi's
// error strings sometimes arrive as garbage when the MIDI system is missing.
func CleanMIDIError(err error) string {
	s := strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f || r == utf8.RuneError || r > 0x7e {
			return -1
		}
		return r
	}, err.Error())
	return strings.TrimRight(strings.TrimSpace(s), ":")
}
