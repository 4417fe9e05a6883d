package control

import (
	"fmt"
	"math"
	"math/rand/v2"
	"net"
	"net/netip"
	"slices"
	"strings"
	"time"

	"github.com/vivid-ml/vivid-ml-engine/control/osc"
	"github.com/vivid-ml/vivid-ml-engine/engine"
	"github.com/vivid-ml/vivid-ml-engine/mapping"
)

// maxTargets bounds feedback targets added over OSC (each change is sent to every one).
const maxTargets = 16

// method handles one built-in OSC address. Caller holds mu.
type method func(c *Controller, args []any) error

// builtins is the built-in OSC API (docs/control.md); every numeric or boolean
// parameter also gets /vivid/<name>, string parameters /vivid/<name> s.
var builtins = map[string]method{
	"/vivid/seed/random": func(c *Controller, _ []any) error { return c.action(&mapping.Outcome{Action: "seed.random"}) },
	"/vivid/seed/next":   func(c *Controller, _ []any) error { return c.action(&mapping.Outcome{Action: "seed.next"}) },
	"/vivid/seed/prev":   func(c *Controller, _ []any) error { return c.action(&mapping.Outcome{Action: "seed.prev"}) },
	"/vivid/pause":       func(c *Controller, _ []any) error { return c.action(&mapping.Outcome{Action: "pause"}) },
	"/vivid/resume":      func(c *Controller, _ []any) error { return c.action(&mapping.Outcome{Action: "resume"}) },
	"/vivid/preset/next": func(c *Controller, _ []any) error { return c.action(&mapping.Outcome{Action: "preset.next"}) },
	"/vivid/preset/prev": func(c *Controller, _ []any) error { return c.action(&mapping.Outcome{Action: "preset.prev"}) },
	"/vivid/preset": func(c *Controller, a []any) error {
		name, idx, err := presetArg(a)
		if err != nil {
			return err
		}
		return c.action(&mapping.Outcome{Action: "preset.select", Preset: name, Index: idx})
	},
	"/vivid/preset_b": func(c *Controller, a []any) error {
		name, idx, err := presetArg(a)
		if err != nil {
			return err
		}
		return c.selectPresetB(name, idx)
	},
	"/vivid/preset/fade": func(c *Controller, a []any) error {
		name, idx, err := presetArg(a)
		if err != nil {
			return err
		}
		secs := 1.0
		if len(a) > 1 {
			v, ok := mapping.Number(a[1])
			if !ok || !(v >= 0) || v > 3600 {
				return fmt.Errorf("%w: /vivid/preset/fade wants (s|i, seconds 0..3600)", ErrBadArgs)
			}
			secs = v
		}
		return c.action(&mapping.Outcome{Action: "preset.fade", Preset: name, Index: idx, Fade: time.Duration(secs * float64(time.Second))})
	},
	"/vivid/get": func(c *Controller, a []any) error {
		if name, ok := stringArg(a); ok { // one parameter, to the sender: a reply about the size of the request
			v, found := c.ps.Load().GetParam(name)
			if !found {
				return fmt.Errorf("%w %q", engine.ErrUnknownParam, name)
			}
			if c.replyTo.IsValid() {
				c.send([]*net.UDPAddr{net.UDPAddrFromAddrPort(c.replyTo)}, "/vivid/param/"+name, paramArg(v))
			}
			return nil
		}
		// Everything goes to the feedback targets only: a spoofable 16-byte request must
		// not make the engine send kilobytes to whatever source address it claims.
		c.sendParams(slices.Clone(c.targets))
		return nil
	},
	"/vivid/reload": func(c *Controller, _ []any) error {
		if c.cfg.OnReload != nil {
			c.cfg.OnReload()
			return nil
		}
		select { // the run loop reloads: Reload takes mu, which the caller holds
		case c.reloadReq <- struct{}{}:
		default:
		}
		return nil
	},
	"/vivid/learn": func(c *Controller, a []any) error {
		s, ok := stringArg(a)
		if !ok {
			return fmt.Errorf("%w: /vivid/learn wants s (a parameter name)", ErrBadArgs)
		}
		return c.startLearn(s)
	},
	"/vivid/learn/cancel": func(c *Controller, _ []any) error {
		c.learning = ""
		return nil
	},
	"/vivid/feedback/add": func(c *Controller, a []any) error {
		host, port, err := targetArg(a)
		if err != nil {
			return err
		}
		return c.addFeedback(host, port)
	},
	"/vivid/feedback/remove": func(c *Controller, a []any) error {
		host, port, err := targetArg(a)
		if err != nil {
			return err
		}
		addr, err := netip.ParseAddr(host)
		if err != nil { // a name: what it resolved to when it was added
			l, ok := c.res.cache[host]
			if !ok || l.err != nil {
				return fmt.Errorf("%w: %s is not a feedback target", ErrBadArgs, host)
			}
			addr = l.addr
		}
		ap := netip.AddrPortFrom(addr.Unmap(), uint16(port))
		kept := c.targets[:0]
		for _, t := range c.targets {
			if unmapped(t.AddrPort()) != ap {
				kept = append(kept, t)
			}
		}
		c.targets = kept
		return nil
	},
}

// builtinNames lists builtins in a fixed order for wildcard dispatch.
var builtinNames []string

func init() {
	for _, s := range engine.ParamSpecs {
		name := s.Name
		addr := "/vivid/" + name
		if _, taken := builtins[addr]; taken {
			continue
		}
		if s.Kind == engine.KindString {
			builtins[addr] = func(c *Controller, a []any) error {
				v, ok := stringArg(a)
				if !ok {
					return fmt.Errorf("%w: %s wants s", ErrBadArgs, addr)
				}
				return c.setString(name, v)
			}
			continue
		}
		builtins[addr] = func(c *Controller, a []any) error {
			if len(a) == 0 && s.Kind == engine.KindBool {
				a = []any{true}
			}
			if len(a) == 0 {
				return fmt.Errorf("%w: %s wants a number", ErrBadArgs, addr)
			}
			v, ok := mapping.Number(a[0])
			if !ok {
				return fmt.Errorf("%w: %s wants a number, got %T", ErrBadArgs, addr, a[0])
			}
			return c.set(name, v, 0)
		}
	}
	for k := range builtins {
		builtinNames = append(builtinNames, k)
	}
	slices.Sort(builtinNames)
}

func stringArg(a []any) (string, bool) {
	if len(a) == 0 {
		return "", false
	}
	s, ok := a[0].(string)
	return s, ok
}

func presetArg(a []any) (string, int, error) {
	if len(a) == 0 {
		return "", 0, fmt.Errorf("%w: wants a preset name (s) or index (i)", ErrBadArgs)
	}
	if s, ok := a[0].(string); ok {
		return s, -1, nil
	}
	v, ok := mapping.Number(a[0])
	if !ok || math.IsNaN(v) || v < 0 || v > 1e6 {
		return "", 0, fmt.Errorf("%w: wants a preset name (s) or index (i)", ErrBadArgs)
	}
	return "", int(v), nil
}

// targetArg reads (s host, i port); the host is not resolved here (see addFeedback).
func targetArg(a []any) (string, int, error) {
	host, ok := stringArg(a)
	if !ok || len(a) < 2 || host == "" || len(host) > 253 {
		return "", 0, fmt.Errorf("%w: wants (s host, i port)", ErrBadArgs)
	}
	port, ok := mapping.Number(a[1])
	if !ok || port < 1 || port > 65535 {
		return "", 0, fmt.Errorf("%w: port must be 1..65535", ErrBadArgs)
	}
	return host, int(port), nil
}

// applyMessage dispatches one OSC message to matching built-ins and mapping rules,
// or to MIDI-learn. Caller holds mu.
func (c *Controller) applyMessage(m *osc.Message) {
	c.st.oscMessages.Add(1)
	pat, err := osc.Compile(m.Address)
	if err != nil {
		c.st.oscMalformed.Add(1)
		return
	}
	matched := false
	call := func(name string, h method) {
		matched = true
		if err := h(c, m.Args); err != nil {
			c.st.rejected.Add(1)
			c.log.Debug("osc message rejected", "address", m.Address, "err", err)
		}
	}
	if pat.IsLiteral() {
		if h, ok := builtins[m.Address]; ok {
			call(m.Address, h)
		}
	} else {
		for _, name := range builtinNames {
			if pat.Match(name) {
				call(name, builtins[name])
			}
		}
	}
	if c.learning != "" && !strings.HasPrefix(m.Address, "/vivid/") && pat.IsLiteral() && len(m.Args) > 0 &&
		!c.isLearnControl(mapping.Input{OSC: pat, Args: m.Args}) {
		if _, ok := mapping.Number(m.Args[0]); ok {
			c.learn(mapping.RuleSpec{OSC: &mapping.OSCSource{Address: m.Address}})
			return
		}
	}
	if c.evalRules(mapping.Input{OSC: pat, Args: m.Args}) {
		matched = true
	}
	if !matched {
		c.st.oscUnmatched.Add(1)
		if strings.HasPrefix(m.Address, "/vivid/") && pat.IsLiteral() {
			c.st.unknownVivid.Add(1)
			if ok, n := c.typoWarn.ok(time.Now()); ok {
				msg := fmt.Sprintf("unknown address %s", m.Address[:min(len(m.Address), 128)])
				if n > 0 {
					msg += fmt.Sprintf(" (and %d more unknown /vivid/ messages)", n)
				}
				c.log.Warn("osc: unknown /vivid/ address", "address", m.Address[:min(len(m.Address), 128)], "more", n)
				c.reportError(msg)
			}
		}
	}
}

// evalRules runs every rule on in and applies their outcomes. Caller holds mu.
func (c *Controller) evalRules(in mapping.Input) bool {
	matched := false
	for _, r := range c.Rules() {
		out, ok := r.Eval(in, c.ps.Load())
		if !ok {
			continue
		}
		matched = true
		if out == nil {
			if r.NonFinite(in) {
				c.st.rejected.Add(1)
				c.log.Debug("rule input rejected: not a finite number", "file", r.File, "line", r.Line)
			}
			continue
		}
		var err error
		if out.Action != "" {
			err = c.action(out)
		} else {
			err = c.set(out.Target, out.Value, out.Slew)
		}
		if err != nil {
			c.st.rejected.Add(1)
			c.log.Debug("rule rejected", "file", r.File, "line", r.Line, "err", err)
		}
	}
	return matched
}

func randomSeed() float64 { return float64(rand.Int32N(math.MaxInt32)) }
