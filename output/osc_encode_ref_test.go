package output

import (
	"encoding/binary"
	"fmt"
	"math"
	"math/rand/v2"
	"strconv"
	"testing"
	"time"

	"github.com/hypebeast/go-osc/osc"

	"github.com/vivid-ml/vivid-ml-engine/engine"
)

// The ref* code is the original go-osc based encoder, kept as the reference
// the allocation-free Encode must match byte for byte.

// refEncode turns r into one or more OSC bundles, each at most MaxPacket bytes, all
// with timetag = capture time. seconds is the /frame time value. The first
// bundle holds /frame and the lost messages; a person's messages stay together
// in one bundle whenever they fit.
func (e *PoseEncoding) refEncode(r *engine.PoseResult, seconds float64) ([][]byte, error) {
	tt, err := osc.NewTimetag(r.Captured).MarshalBinary()
	if err != nil {
		return nil, fmt.Errorf("osc timetag: %w", err)
	}
	b := &refBundler{max: e.MaxPacket, tt: tt}
	head := []*osc.Message{osc.NewMessage(e.Prefix+"/frame", int32(r.Seq), float32(seconds), int32(len(r.People)))}
	for _, id := range r.Lost {
		head = append(head, osc.NewMessage(e.refAddr(id, "lost"), int32(id)))
	}
	if err := b.addGroup(head); err != nil {
		return nil, err
	}
	for i := range r.People {
		if err := b.addGroup(e.refPerson(&r.People[i])); err != nil {
			return nil, err
		}
	}
	return b.finish(), nil
}

func (e *PoseEncoding) refAddr(id int, leaf string) string {
	return e.Prefix + "/" + strconv.Itoa(id) + "/" + leaf
}

// person builds one person's messages.
func (e *PoseEncoding) refPerson(p *engine.Person) []*osc.Message {
	box := [4]float32{p.Box[0], e.y(p.Box[1]), p.Box[2], e.y(p.Box[3])}
	if e.YUp {
		box[1], box[3] = box[3], box[1] // keep y0 < y1
	}
	msgs := []*osc.Message{
		osc.NewMessage(e.refAddr(p.ID, "score"), p.Score),
		osc.NewMessage(e.refAddr(p.ID, "box"), box[0], box[1], box[2], box[3]),
	}
	if e.Format != FormatFlat {
		for i, k := range p.Keypoints {
			msgs = append(msgs, osc.NewMessage(e.refAddr(p.ID, engine.KeypointNames[i]), k.X, e.y(k.Y), k.Score))
		}
	}
	if e.Format != FormatPerKeypoint {
		flat := make([]any, 0, 51)
		for _, k := range p.Keypoints {
			flat = append(flat, k.X, e.y(k.Y), k.Score)
		}
		msgs = append(msgs, osc.NewMessage(e.refAddr(p.ID, "keypoints"), flat...))
	}
	return msgs
}

// refBundler packs encoded messages into size-limited bundles (OSC 1.0 bundle:
// "#bundle\0", 8-byte timetag, then int32-size-prefixed elements).
type refBundler struct {
	max int
	tt  []byte
	out [][]byte
	cur []byte
}

func (b *refBundler) addGroup(msgs []*osc.Message) error {
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

func (b *refBundler) flush() {
	if b.cur != nil {
		b.out = append(b.out, b.cur)
		b.cur = nil
	}
}

func (b *refBundler) finish() [][]byte {
	b.flush()
	return b.out
}

// TestEncodeMatchesReference compares Encode with the go-osc reference on
// random results in every format, with y up, odd IDs, NaN and small packets.
func TestEncodeMatchesReference(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	f32 := func() float32 {
		switch rng.IntN(8) {
		case 0:
			return float32(math.NaN())
		case 1:
			return float32(math.Inf(-1))
		case 2:
			return -rng.Float32()
		}
		return rng.Float32()
	}
	for i := range 300 {
		e := PoseEncoding{Format: []string{FormatBoth, FormatPerKeypoint, FormatFlat}[i%3], YUp: i%2 == 1, MaxPacket: []int{512, 700, 1400, 65000}[i%4]}
		if i%5 == 0 {
			e.Prefix = "/p" + strconv.Itoa(i)
		}
		if err := e.Validate(); err != nil {
			t.Fatal(err)
		}
		r := &engine.PoseResult{Seq: rng.Uint64(), Captured: time.Unix(rng.Int64N(4e9), rng.Int64N(1e9))}
		if i%7 == 0 {
			r.Captured = time.Time{}
		}
		for range rng.IntN(4) {
			r.Lost = append(r.Lost, rng.IntN(1<<31)-rng.IntN(3))
		}
		for range rng.IntN(8) {
			p := engine.Person{ID: rng.IntN(1 << 20), Score: f32(), Box: [4]float32{f32(), f32(), f32(), f32()}}
			for j := range p.Keypoints {
				p.Keypoints[j] = engine.Keypoint{X: f32(), Y: f32(), Score: f32()}
			}
			r.People = append(r.People, p)
		}
		sec := rng.Float64() * 1e4
		want, werr := e.refEncode(r, sec)
		got, gerr := e.Encode(r, sec)
		if fmt.Sprint(werr) != fmt.Sprint(gerr) {
			t.Fatalf("case %d: error %v; want %v", i, gerr, werr)
		}
		if len(got) != len(want) {
			t.Fatalf("case %d: %d bundles; want %d", i, len(got), len(want))
		}
		for j := range want {
			if string(got[j]) != string(want[j]) {
				t.Fatalf("case %d bundle %d differs:\n got %x\nwant %x", i, j, got[j], want[j])
			}
		}
	}
}
