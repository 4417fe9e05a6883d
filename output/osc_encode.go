package output

import (
	"encoding/binary"
	"fmt"
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
// in one bundle whenever they fit.
func (e *PoseEncoding) Encode(r *engine.PoseResult, seconds float64) ([][]byte, error) {
	tt, err := osc.NewTimetag(r.Captured).MarshalBinary()
	if err != nil {
		return nil, fmt.Errorf("osc timetag: %w", err)
	}
	b := &bundler{max: e.MaxPacket, tt: tt}
	head := []*osc.Message{osc.NewMessage(e.Prefix+"/frame", int32(r.Seq), float32(seconds), int32(len(r.People)))}
	for _, id := range r.Lost {
		head = append(head, osc.NewMessage(e.addr(id, "lost"), int32(id)))
	}
	if err := b.addGroup(head); err != nil {
		return nil, err
	}
	for i := range r.People {
		if err := b.addGroup(e.person(&r.People[i])); err != nil {
			return nil, err
		}
	}
	return b.finish(), nil
}

func (e *PoseEncoding) addr(id int, leaf string) string {
	return e.Prefix + "/" + strconv.Itoa(id) + "/" + leaf
}

func (e *PoseEncoding) y(v float32) float32 {
	if e.YUp {
		return 1 - v
	}
	return v
}

// person builds one person's messages.
func (e *PoseEncoding) person(p *engine.Person) []*osc.Message {
	box := [4]float32{p.Box[0], e.y(p.Box[1]), p.Box[2], e.y(p.Box[3])}
	if e.YUp {
		box[1], box[3] = box[3], box[1] // keep y0 < y1
	}
	msgs := []*osc.Message{
		osc.NewMessage(e.addr(p.ID, "score"), p.Score),
		osc.NewMessage(e.addr(p.ID, "box"), box[0], box[1], box[2], box[3]),
	}
	if e.Format != FormatFlat {
		for i, k := range p.Keypoints {
			msgs = append(msgs, osc.NewMessage(e.addr(p.ID, engine.KeypointNames[i]), k.X, e.y(k.Y), k.Score))
		}
	}
	if e.Format != FormatPerKeypoint {
		flat := make([]any, 0, 51)
		for _, k := range p.Keypoints {
			flat = append(flat, k.X, e.y(k.Y), k.Score)
		}
		msgs = append(msgs, osc.NewMessage(e.addr(p.ID, "keypoints"), flat...))
	}
	return msgs
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

func (b *bundler) addGroup(msgs []*osc.Message) error {
	enc := make([][]byte, len(msgs))
	size := 0
	for i, m := range msgs {
		data, err := m.MarshalBinary()
		if err != nil {
			return fmt.Errorf("osc encode %s: %w", m.Address, err)
		}
		if bundleHeader+4+len(data) > b.max {
			return fmt.Errorf("%w: message %s is %d bytes", ErrOSCTooBig, m.Address, len(data))
		}
		enc[i] = data
		size += 4 + len(data)
	}
	if b.cur != nil && len(b.cur)+size > b.max {
		b.flush()
	}
	for _, data := range enc {
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
