package tensorrt

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// Shapes maps model input names to one concrete shape each.
type Shapes map[string][]int64

// Profile is a TensorRT optimisation profile: the engine accepts shapes between Min
// and Max and is tuned for Opt. A static profile has Min = Opt = Max (fastest engine).
type Profile struct {
	Min, Opt, Max Shapes
}

// Static returns the profile that accepts exactly s.
func Static(s Shapes) Profile { return Profile{Min: s, Opt: s, Max: s} }

// IsStatic reports whether min, opt and max are equal.
func (p Profile) IsStatic() bool {
	return p.Min.String() == p.Opt.String() && p.Opt.String() == p.Max.String()
}

// String formats shapes as ONNX Runtime's trt_profile_*_shapes value:
// "name:1x4x64x64,other:1x77x2048", inputs sorted by name.
func (s Shapes) String() string {
	names := make([]string, 0, len(s))
	for n := range s {
		names = append(names, n)
	}
	slices.Sort(names)
	parts := make([]string, len(names))
	for i, n := range names {
		dims := make([]string, len(s[n]))
		for j, d := range s[n] {
			dims[j] = strconv.FormatInt(d, 10)
		}
		parts[i] = n + ":" + strings.Join(dims, "x")
	}
	return strings.Join(parts, ",")
}

// Validate checks that every input has min, opt and max shapes of the same rank with
// min ≤ opt ≤ max in each dimension.
func (p Profile) Validate() error {
	if len(p.Opt) == 0 {
		return fmt.Errorf("%w: no inputs", ErrNoProfile)
	}
	for name, opt := range p.Opt {
		lo, okLo := p.Min[name]
		hi, okHi := p.Max[name]
		if !okLo || !okHi {
			return fmt.Errorf("%w: input %q needs min, opt and max", ErrNoProfile, name)
		}
		if len(lo) != len(opt) || len(hi) != len(opt) {
			return fmt.Errorf("%w: input %q has ranks %d/%d/%d", ErrBadShape, name, len(lo), len(opt), len(hi))
		}
		for i := range opt {
			if lo[i] < 1 || lo[i] > opt[i] || opt[i] > hi[i] {
				return fmt.Errorf("%w: input %q dimension %d: min %d, opt %d, max %d", ErrBadShape, name, i, lo[i], opt[i], hi[i])
			}
		}
	}
	if len(p.Min) != len(p.Opt) || len(p.Max) != len(p.Opt) {
		return fmt.Errorf("%w: min, opt and max name different inputs", ErrNoProfile)
	}
	return nil
}

// Key is a short stable name for the profile, used in engine cache paths:
// "static-<hash>" or "dynamic-<hash>" over the three shape strings.
func (p Profile) Key() string {
	h := sha256.Sum256([]byte(p.Min.String() + "|" + p.Opt.String() + "|" + p.Max.String()))
	kind := "dynamic"
	if p.IsStatic() {
		kind = "static"
	}
	return kind + "-" + hex.EncodeToString(h[:6])
}
