package control

import (
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/vivid-ml/vivid-ml-engine/engine"
	"github.com/vivid-ml/vivid-ml-engine/mapping"
)

// glide moves a parameter linearly from → to over dur (a rule's slew).
type glide struct {
	from, to float64
	start    time.Time
	dur      time.Duration
}

// fade is a timed crossfade: blend 0 → 1 over dur, then preset B becomes preset A.
type fade struct {
	start time.Time
	dur   time.Duration
}

// set sets a numeric parameter now, or glides to it over slew. Caller holds mu.
func (c *Controller) set(name string, v float64, slew time.Duration) error {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return fmt.Errorf("%s: %w: %v", name, engine.ErrBadValue, v)
	}
	if _, ok := engine.LookupParam(name); !ok {
		return fmt.Errorf("%w %q", engine.ErrUnknownParam, name)
	}
	if slew > 0 {
		cur, _ := c.ps.Load().GetNumber(name)
		c.glides[name] = glide{from: cur, to: v, start: time.Now(), dur: slew}
		c.wake()
		return nil
	}
	delete(c.glides, name)
	if name == "blend" {
		c.fade = nil
	}
	return c.setNow(name, v)
}

func (c *Controller) setNow(name string, v float64) error {
	var err error
	var clamped bool
	c.update(func(p *engine.Params) {
		clamped, err = p.SetNumber(name, v)
	})
	if clamped {
		c.st.clamped.Add(1)
	}
	return err
}

// update publishes a new snapshot with fn applied and the preset blend recomputed.
func (c *Controller) update(fn func(p *engine.Params)) {
	ps := c.presets.Load()
	c.ps.Update(func(p *engine.Params) {
		fn(p)
		applyBlend(ps, p)
	})
	c.wake()
}

// applyBlend interpolates the numeric fields both presets define by p.Blend,
// and carries preset B's prompts in PromptB/NegativeB for the diffusion stage.
func applyBlend(ps *mapping.Presets, p *engine.Params) {
	if p.PresetB == "" || ps == nil {
		return
	}
	a, _, errA := ps.Find(p.Preset)
	b, _, errB := ps.Find(p.PresetB)
	if errA != nil || errB != nil {
		return
	}
	lerp := func(x, y float64) float64 { return x + (y-x)*p.Blend }
	if a.Strength != nil && b.Strength != nil {
		p.Strength = lerp(*a.Strength, *b.Strength)
	}
	if a.Guidance != nil && b.Guidance != nil {
		p.Guidance = lerp(*a.Guidance, *b.Guidance)
	}
	if a.Steps != nil && b.Steps != nil {
		p.Steps = int(math.Round(lerp(float64(*a.Steps), float64(*b.Steps))))
	}
}

// setString sets a text parameter (prompt, negative, pose_model, preset names). Caller holds mu.
func (c *Controller) setString(name, v string) error {
	var err error
	c.update(func(p *engine.Params) { err = p.SetString(name, v) })
	if err == nil && len(v) > engine.MaxPromptBytes {
		// Kept, but cut: counted with the clamped values and said once per message.
		c.st.clamped.Add(1)
		if ok, n := c.cutWarn.ok(time.Now()); ok {
			c.log.Warn("text too long; cut", "param", name, "bytes", len(v), "kept", engine.MaxPromptBytes, "more_since_last_warning", n)
		}
	}
	return err
}

func (c *Controller) preset(name string, idx int) (*mapping.Preset, int, error) {
	ps := c.presets.Load()
	if name != "" {
		return ps.Find(name)
	}
	pr, err := ps.At(idx)
	return pr, idx, err
}

// selectPreset makes a preset current (and ends any blend). Caller holds mu.
func (c *Controller) selectPreset(pr *mapping.Preset) error {
	var err error
	c.fade = nil
	delete(c.glides, "blend")
	c.update(func(p *engine.Params) {
		p.PresetB, p.PromptB, p.NegativeB, p.Blend = "", "", "", 0
		err = pr.ApplyTo(p)
	})
	return err
}

// selectPresetB picks the second preset of a fader-driven blend. Caller holds mu.
func (c *Controller) selectPresetB(name string, idx int) error {
	pr, _, err := c.preset(name, idx)
	if err != nil {
		return err
	}
	c.update(func(p *engine.Params) {
		p.PresetB = pr.Name
		p.PromptB, p.NegativeB = p.Prompt, p.Negative
		if pr.Prompt != nil {
			p.PromptB = *pr.Prompt
		}
		if pr.Negative != nil {
			p.NegativeB = *pr.Negative
		}
	})
	return nil
}

// action runs a rule or built-in action. Caller holds mu.
func (c *Controller) action(o *mapping.Outcome) error {
	cur := c.ps.Load()
	switch o.Action {
	case "seed.random":
		return c.set("seed", randomSeed(), 0)
	case "seed.next":
		return c.set("seed", float64(cur.Seed+1), 0)
	case "seed.prev":
		return c.set("seed", float64(cur.Seed-1), 0)
	case "pause", "resume":
		return c.set("paused", b2f(o.Action == "pause"), 0)
	case "pause.toggle":
		return c.set("paused", b2f(!cur.Paused), 0)
	case "pose.toggle":
		return c.set("pose", b2f(!cur.PoseEnabled), 0)
	case "diffusion.toggle":
		return c.set("diffusion", b2f(!cur.DiffusionEnabled), 0)
	case "learn":
		return c.startLearn(o.Target)
	case "preset.next", "preset.prev":
		ps := c.presets.Load()
		if ps.Len() == 0 {
			return fmt.Errorf("%s: %w: no presets file", o.Action, mapping.ErrUnknownPreset)
		}
		_, i, err := ps.Find(cur.Preset)
		if err != nil {
			i = -1
		}
		if o.Action == "preset.next" {
			i = (i + 1) % ps.Len()
		} else {
			i = (i - 1 + ps.Len()) % ps.Len()
		}
		pr, _ := ps.At(i)
		return c.selectPreset(pr)
	case "preset.select":
		pr, _, err := c.preset(o.Preset, o.Index)
		if err != nil {
			return err
		}
		return c.selectPreset(pr)
	case "preset.fade":
		if err := c.selectPresetB(o.Preset, o.Index); err != nil {
			return err
		}
		if o.Fade <= 0 {
			return c.finishFade()
		}
		c.fade = &fade{start: time.Now(), dur: o.Fade}
		delete(c.glides, "blend")
		c.wake()
		return nil
	}
	return fmt.Errorf("unknown action %q", o.Action)
}

func (c *Controller) finishFade() error {
	c.fade = nil
	name := c.ps.Load().PresetB
	pr, _, err := c.presets.Load().Find(name)
	if err != nil {
		return err
	}
	return c.selectPreset(pr)
}

// stepAnimations advances glides and the crossfade; it returns the wanted tick
// interval (0 when nothing is animating). Caller holds mu.
func (c *Controller) stepAnimations(now time.Time) time.Duration {
	const frame = 5 * time.Millisecond
	for name, g := range c.glides {
		k := 1.0
		if g.dur > 0 {
			k = math.Min(1, float64(now.Sub(g.start))/float64(g.dur))
		}
		if err := c.setNow(name, g.from+(g.to-g.from)*k); err != nil || k >= 1 {
			delete(c.glides, name)
		}
	}
	if f := c.fade; f != nil {
		k := math.Min(1, float64(now.Sub(f.start))/float64(f.dur))
		c.setNow("blend", k)
		if k >= 1 {
			if err := c.finishFade(); err != nil && !errors.Is(err, mapping.ErrUnknownPreset) {
				c.log.Warn("crossfade", "err", err)
			}
		}
	}
	if len(c.glides) > 0 || c.fade != nil {
		return frame
	}
	return 0
}

func b2f(b bool) float64 {
	if b {
		return 1
	}
	return 0
}
