package conf

import (
	"encoding/hex"
	"fmt"
	"image/color"
	"net/netip"
	"slices"
	"strings"

	"github.com/vivid-ml/vivid-ml-engine/engine"
	"github.com/vivid-ml/vivid-ml-engine/engine/segment"
	"github.com/vivid-ml/vivid-ml-engine/engine/upscale"
)

// KnownStreams are the streams the operators of this binary can emit (engine.Streams of the
// pose, diffusion, segment and upscale operators); which of them flow depends on the
// operators a run builds.
var KnownStreams = []string{engine.StreamInput, engine.StreamPose, engine.StreamDiffusion, segment.StreamMask, segment.StreamMatte,
	upscale.StreamUpscale}

// ParseStream checks a stream name ("" is allowed: the default).
func ParseStream(s string) (string, error) {
	if s == "" || slices.Contains(KnownStreams, s) {
		return s, nil
	}
	return "", fmt.Errorf("unknown stream %q (want %s or %s)", s,
		strings.Join(KnownStreams[:len(KnownStreams)-1], ", "), KnownStreams[len(KnownStreams)-1])
}

// OutputSpec is one NAME[:STREAM] of outputs.shm, td_shm and spout; an empty stream means the default.
type OutputSpec struct{ Name, Stream string }

// ParseOutputSpec reads NAME[:stream]; check validates the name.
func ParseOutputSpec(v string, check func(string) error) (OutputSpec, error) {
	name, stream, _ := strings.Cut(v, ":")
	if err := check(name); err != nil {
		return OutputSpec{}, err
	}
	s, err := ParseStream(stream)
	if err != nil {
		return OutputSpec{}, err
	}
	return OutputSpec{name, s}, nil
}

// ParseColor reads RRGGBB (an optional leading #).
func ParseColor(s string) (color.RGBA, error) {
	b, err := hex.DecodeString(strings.TrimPrefix(s, "#"))
	if err != nil || len(b) != 3 {
		return color.RGBA{}, fmt.Errorf("%q: want RRGGBB", s)
	}
	return color.RGBA{R: b[0], G: b[1], B: b[2], A: 255}, nil
}

// ParseAllow reads one allow-list entry: a CIDR, or an address meaning just that host.
func ParseAllow(a string) (netip.Prefix, error) {
	p, err := netip.ParsePrefix(a)
	if err == nil {
		return p, nil
	}
	addr, err2 := netip.ParseAddr(a)
	if err2 != nil {
		return netip.Prefix{}, err
	}
	return netip.PrefixFrom(addr, addr.BitLen()), nil
}
