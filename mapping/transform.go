package mapping

import (
	"fmt"
	"math"
)

// Curve shapes a normalised value 0..1 → 0..1; Inverse undoes it (for feedback to controllers).
type Curve struct {
	Kind   string // linear | exp | log | s-curve
	Amount float64
}

// Apply maps x (clamped to 0..1) through the curve:
// exp x^a, log x^(1/a), s-curve x^a/(x^a+(1-x)^a).
func (c Curve) Apply(x float64) float64 {
	x = clamp01(x)
	switch c.Kind {
	case "exp":
		return math.Pow(x, c.Amount)
	case "log":
		return math.Pow(x, 1/c.Amount)
	case "s-curve":
		a, b := math.Pow(x, c.Amount), math.Pow(1-x, c.Amount)
		if a+b == 0 {
			return x
		}
		return a / (a + b)
	}
	return x
}

// Inverse returns the x with Apply(x) = y.
func (c Curve) Inverse(y float64) float64 {
	switch c.Kind {
	case "exp":
		return Curve{"log", c.Amount}.Apply(y)
	case "log":
		return Curve{"exp", c.Amount}.Apply(y)
	case "s-curve":
		return Curve{"s-curve", 1 / c.Amount}.Apply(y)
	}
	return clamp01(y)
}

func parseCurve(s *CurveSpec) (Curve, error) {
	if s == nil {
		return Curve{Kind: "linear", Amount: 1}, nil
	}
	c := Curve{Kind: s.Type, Amount: s.Amount}
	if c.Amount == 0 {
		c.Amount = 2
	}
	switch c.Kind {
	case "linear", "exp", "log", "s-curve":
	default:
		return c, fmt.Errorf("curve type %q: want linear, exp, log or s-curve", s.Type)
	}
	if !(c.Amount > 0) || math.IsInf(c.Amount, 0) || c.Amount > 100 {
		return c, fmt.Errorf("curve amount %v: want 0 < amount <= 100", s.Amount)
	}
	return c, nil
}

// RelativeDelta decodes a relative-encoder value into signed ticks.
// twos-complement: 1..63 up, 127..65 down (-1..-63); binary-offset: 64 ± n;
// sign-magnitude: bit 6 is the sign (set = down), bits 0..5 the magnitude.
func RelativeDelta(mode string, v int) int {
	v &= 0x7f
	switch mode {
	case "twos-complement":
		if v >= 64 {
			return v - 128
		}
		return v
	case "binary-offset":
		return v - 64
	case "sign-magnitude":
		if v&0x40 != 0 {
			return -(v & 0x3f)
		}
		return v & 0x3f
	}
	return 0
}

func clamp01(x float64) float64 {
	switch {
	case x < 0 || math.IsNaN(x):
		return 0
	case x > 1:
		return 1
	}
	return x
}

func clamp(x, lo, hi float64) float64 {
	if lo > hi {
		lo, hi = hi, lo
	}
	return math.Max(lo, math.Min(hi, x))
}
