package output

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/hypebeast/go-osc/osc"

	"github.com/vivid-ml/vivid-ml-engine/engine"
)

// OSC pose formats: which per-person keypoint messages are sent.
const (
	FormatBoth        = "both"         // per-keypoint messages and the flat list
	FormatPerKeypoint = "per-keypoint" // /pose/<id>/<keypoint> x y score only
	FormatFlat        = "flat"         // /pose/<id>/keypoints with 51 floats only
)

// DefaultMaxPacket is the largest UDP payload sent: a frame that needs more is
// split into several bundles with the same timetag (Ethernet MTU minus headers).
const DefaultMaxPacket = 1400

// PoseEncoding says how a PoseResult becomes OSC (see docs/pose.md for the schema).
type PoseEncoding struct {
	Prefix    string // address prefix, default "/pose"
	Format    string // FormatBoth (default), FormatPerKeypoint or FormatFlat
	YUp       bool   // y measured from the bottom (1 - y) instead of from the top
	MaxPacket int    // bytes per bundle, default DefaultMaxPacket
}

// Validate checks the encoding and fills defaults.
func (e *PoseEncoding) Validate() error {
	if e.Prefix == "" {
		e.Prefix = "/pose"
	}
	if !strings.HasPrefix(e.Prefix, "/") || strings.HasSuffix(e.Prefix, "/") || strings.ContainsAny(e.Prefix, " #*,?[]{}") {
		return fmt.Errorf("%w: prefix %q must start with / and hold no spaces, trailing / or OSC pattern characters", ErrOSCConfig, e.Prefix)
	}
	switch e.Format {
	case "":
		e.Format = FormatBoth
	case FormatBoth, FormatPerKeypoint, FormatFlat:
	default:
		return fmt.Errorf("%w: format %q: want both, per-keypoint or flat", ErrOSCConfig, e.Format)
	}
	if e.MaxPacket == 0 {
		e.MaxPacket = DefaultMaxPacket
	}
	if e.MaxPacket < 512 || e.MaxPacket > 65000 {
		return fmt.Errorf("%w: max packet %d: want 512..65000", ErrOSCConfig, e.MaxPacket)
	}
	return nil
}

// Encode turns r into one or more OSC bundles, each at most MaxPacket bytes, all
// with timetag = capture time. seconds is the /frame time value. The first
// bundle holds /frame and the lost messages; a person's messages stay together
// in one bundle whenever they fit. Messages are written straight into bytes
// (the OSC 1.0 layout go-osc produces), without per-argument allocations.
func (e *PoseEncoding) Encode(r *engine.PoseResult, seconds float64) ([][]byte, error) {
	tt, err := osc.NewTimetag(r.Captured).MarshalBinary()
	if err != nil {
		return nil, fmt.Errorf("osc timetag: %w", err)
	}
	b := &bundler{max: e.MaxPacket, tt: tt}
	g := &msgGroup{buf: make([]byte, 0, 2048), ends: make([]int, 0, 24)}
	g.startFrame(e.Prefix)
	g.buf = appendI32(g.buf, int32(r.Seq))
	g.buf = appendF32(g.buf, float32(seconds))
	g.buf = appendI32(g.buf, int32(len(r.People)))
	g.end()
	for _, id := range r.Lost {
		g.start(e.Prefix, id, "lost", "i")
		g.buf = appendI32(g.buf, int32(id))
		g.end()
	}
	if err := b.addGroup(g); err != nil {
		return nil, err
	}
	for i := range r.People {
		g.reset()
		e.person(g, &r.People[i])
		if err := b.addGroup(g); err != nil {
			return nil, err
		}
	}
	return b.finish(), nil
}

func (e *PoseEncoding) y(v float32) float32 {
	if e.YUp {
		return 1 - v
	}
	return v
}

// flatTags is the type tag list of the flat keypoints message (51 floats).
var flatTags = strings.Repeat("f", 51)

// person appends one person's messages to g.
func (e *PoseEncoding) person(g *msgGroup, p *engine.Person) {
	box := [4]float32{p.Box[0], e.y(p.Box[1]), p.Box[2], e.y(p.Box[3])}
	if e.YUp {
		box[1], box[3] = box[3], box[1] // keep y0 < y1
	}
	g.start(e.Prefix, p.ID, "score", "f")
	g.buf = appendF32(g.buf, p.Score)
	g.end()
	g.start(e.Prefix, p.ID, "box", "ffff")
	for _, v := range box {
		g.buf = appendF32(g.buf, v)
	}
	g.end()
	if e.Format != FormatFlat {
		for i, k := range p.Keypoints {
			g.start(e.Prefix, p.ID, engine.KeypointNames[i], "fff")
			g.buf = appendF32(appendF32(appendF32(g.buf, k.X), e.y(k.Y)), k.Score)
			g.end()
		}
	}
	if e.Format != FormatPerKeypoint {
		g.start(e.Prefix, p.ID, "keypoints", flatTags)
		for _, k := range p.Keypoints {
			g.buf = appendF32(appendF32(appendF32(g.buf, k.X), e.y(k.Y)), k.Score)
		}
		g.end()
	}
}

// msgGroup holds encoded OSC messages back to back in one buffer; ends[i] is
// where message i ends.
type msgGroup struct {
	buf   []byte
	ends  []int
	begin int
}

func (g *msgGroup) reset() { g.buf, g.ends, g.begin = g.buf[:0], g.ends[:0], 0 }

// start begins a message to prefix/id/leaf with the given type tags (without
// the leading comma).
func (g *msgGroup) start(prefix string, id int, leaf, tags string) {
	g.begin = len(g.buf)
	b := strconv.AppendInt(append(append(g.buf, prefix...), '/'), int64(id), 10)
	g.buf = append(append(b, '/'), leaf...)
	g.tags(tags)
}

// startFrame begins the prefix/frame message (int32 seq, float32 seconds, int32 people).
func (g *msgGroup) startFrame(prefix string) {
	g.begin = len(g.buf)
	g.buf = append(append(g.buf, prefix...), "/frame"...)
	g.tags("ifi")
}

// tags ends the address and writes the type tag string.
func (g *msgGroup) tags(tags string) {
	b := padString(g.buf, len(g.buf)-g.begin)
	n := len(b)
	b = append(append(b, ','), tags...)
	g.buf = padString(b, len(b)-n)
}

func (g *msgGroup) end() { g.ends = append(g.ends, len(g.buf)) }

// message returns message i's bytes.
func (g *msgGroup) message(i int) []byte {
	from := 0
	if i > 0 {
		from = g.ends[i-1]
	}
	return g.buf[from:g.ends[i]]
}

// padString ends an OSC string of n bytes just appended: a NUL, then NULs to a
// multiple of four bytes.
func padString(b []byte, n int) []byte {
	b = append(b, 0)
	for n++; n%4 != 0; n++ {
		b = append(b, 0)
	}
	return b
}

func appendI32(b []byte, v int32) []byte { return binary.BigEndian.AppendUint32(b, uint32(v)) }

func appendF32(b []byte, v float32) []byte {
	return binary.BigEndian.AppendUint32(b, math.Float32bits(v))
}

// oscAddress is the address of an encoded message, for errors.
func oscAddress(msg []byte) string {
	if i := bytes.IndexByte(msg, 0); i >= 0 {
		return string(msg[:i])
	}
	return string(msg)
}

// bundler packs encoded messages into size-limited bundles (OSC 1.0 bundle:
// "#bundle\0", 8-byte timetag, then int32-size-prefixed elements).
type bundler struct {
	max int
	tt  []byte
	out [][]byte
	cur []byte
}

const bundleHeader = 16

func (b *bundler) addGroup(g *msgGroup) error {
	size := 0
	for i := range g.ends {
		data := g.message(i)
		if bundleHeader+4+len(data) > b.max {
			return fmt.Errorf("%w: message %s is %d bytes", ErrOSCTooBig, oscAddress(data), len(data))
		}
		size += 4 + len(data)
	}
	if b.cur != nil && len(b.cur)+size > b.max {
		b.flush()
	}
	for i := range g.ends {
		data := g.message(i)
		if b.cur != nil && len(b.cur)+4+len(data) > b.max {
			b.flush()
		}
		if b.cur == nil {
			b.cur = append(append(make([]byte, 0, b.max), "#bundle\x00"...), b.tt...)
		}
		b.cur = binary.BigEndian.AppendUint32(b.cur, uint32(len(data)))
		b.cur = append(b.cur, data...)
	}
	return nil
}

func (b *bundler) flush() {
	if b.cur != nil {
		b.out = append(b.out, b.cur)
		b.cur = nil
	}
}

func (b *bundler) finish() [][]byte {
	b.flush()
	return b.out
}

// FrameSeconds converts a capture time to the /frame seconds value: seconds since start.
func FrameSeconds(captured, start time.Time) float64 {
	if captured.IsZero() || start.IsZero() {
		return 0
	}
	return captured.Sub(start).Seconds()
}
