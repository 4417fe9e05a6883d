package control

import (
	"net"
	"slices"

	"github.com/vivid-ml/vivid-ml-engine/control/osc"
	"github.com/vivid-ml/vivid-ml-engine/engine"
)

// paramArg is the OSC argument for a parameter value: f, i or s (bools as i 0/1).
func paramArg(v any) any {
	switch x := v.(type) {
	case float64:
		return float32(x)
	case int64:
		return int32(x)
	case bool:
		if x {
			return int32(1)
		}
		return int32(0)
	}
	return v
}

// send encodes one message to each target, counting errors.
func (c *Controller) send(targets []*net.UDPAddr, addr string, args ...any) {
	b, err := osc.AppendMessage(nil, &osc.Message{Address: addr, Args: args})
	if err != nil {
		c.st.fbErrors.Add(1)
		return
	}
	for _, t := range targets {
		if _, err := c.fbConn.WriteToUDP(b, t); err != nil {
			c.st.fbErrors.Add(1)
			c.log.Debug("feedback send", "to", t, "err", err)
			continue
		}
		c.st.fbSent.Add(1)
	}
}

func (c *Controller) targetsCopy() []*net.UDPAddr {
	c.mu.Lock()
	defer c.mu.Unlock()
	return slices.Clone(c.targets)
}

// sendParamFeedback sends /vivid/param/<name> for every parameter that differs from
// last (all of them when last is nil), plus MIDI and OSC feedback for mapped controls.
func (c *Controller) sendParamFeedback(last *engine.Params) *engine.Params {
	cur := c.ps.Load()
	if cur == last {
		return last
	}
	targets := c.targetsCopy()
	rules := c.Rules()
	for _, s := range engine.ParamSpecs {
		v, _ := cur.GetParam(s.Name)
		if last != nil {
			if old, _ := last.GetParam(s.Name); old == v {
				continue
			}
		}
		c.send(targets, "/vivid/param/"+s.Name, paramArg(v))
		n, ok := cur.GetNumber(s.Name)
		if !ok {
			continue
		}
		for _, r := range rules {
			if r.Target() != s.Name || r.IsAction() {
				continue
			}
			if addr, x, ok := r.FeedbackOSC(n); ok {
				c.send(targets, addr, x)
			}
			for _, m := range r.FeedbackMIDI(n) {
				c.midi.send(m)
			}
		}
	}
	return cur
}

// sendParams sends every parameter to targets.
func (c *Controller) sendParams(targets []*net.UDPAddr) {
	p := c.ps.Load()
	for _, s := range engine.ParamSpecs {
		v, _ := p.GetParam(s.Name)
		c.send(targets, "/vivid/param/"+s.Name, paramArg(v))
	}
}

// sendStatus sends /vivid/status f:latency_ms i:drops i:paused then (s:stage f:fps) pairs.
func (c *Controller) sendStatus() {
	var st Status
	if c.cfg.Status != nil {
		st = c.cfg.Status()
	}
	args := []any{float32(st.LatencyMs), int32(min(st.Drops, 1<<31-1)), paramArg(c.ps.Load().Paused)}
	stages := make([]string, 0, len(st.FPS))
	for k := range st.FPS {
		stages = append(stages, k)
	}
	slices.Sort(stages)
	for _, k := range stages {
		args = append(args, k, float32(st.FPS[k]))
	}
	c.send(c.targetsCopy(), "/vivid/status", args...)
}

// reportError queues msg for /vivid/error. Caller holds mu.
func (c *Controller) reportError(msg string) {
	if len(c.errs) < 16 {
		c.errs = append(c.errs, msg)
	}
	c.wake()
}

func (c *Controller) flushErrors() {
	c.mu.Lock()
	errs := c.errs
	c.errs = nil
	targets := slices.Clone(c.targets)
	c.mu.Unlock()
	for _, e := range errs {
		c.send(targets, "/vivid/error", e)
	}
}
