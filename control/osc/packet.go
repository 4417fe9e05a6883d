package osc

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"math"
	"time"
)

// Message is one OSC message: an address (pattern) and typed arguments.
// Args hold int32, float32, string, []byte (blob), int64, float64, bool,
// nil (N and I), Timetag, Char (c), MIDIMsg (m) or RGBA (r).
type Message struct {
	Address string
	Args    []any
}

// Bundle is an OSC bundle: a timetag and its elements (messages or nested bundles).
type Bundle struct {
	Time     Timetag
	Elements []any // *Message or *Bundle
}

// Char is an OSC 'c' argument (an ASCII character sent as 32 bits).
type Char int32

// MIDIMsg is an OSC 'm' argument: port id, status, data1, data2.
type MIDIMsg [4]byte

// RGBA is an OSC 'r' argument: red, green, blue, alpha.
type RGBA [4]byte

// Timetag is an NTP timestamp: seconds since 1900 in the high 32 bits, fraction in the low.
// The value 1 means "immediately".
type Timetag uint64

// Immediately is the timetag that asks for immediate execution.
const Immediately Timetag = 1

const ntpEpochOffset = 2208988800 // seconds from 1900 to 1970

// Time converts t to wall-clock time.
func (t Timetag) Time() time.Time {
	secs := int64(t>>32) - ntpEpochOffset
	frac := int64(uint64(t&0xffffffff) * 1e9 >> 32)
	return time.Unix(secs, frac)
}

// TimetagOf converts a wall-clock time to a timetag.
func TimetagOf(tm time.Time) Timetag {
	secs := uint64(tm.Unix() + ntpEpochOffset)
	frac := uint64(tm.Nanosecond()) << 32 / 1e9
	return Timetag(secs<<32 | frac)
}

// maxDepth bounds bundle nesting so a hostile packet cannot recurse deeply.
const maxDepth = 8

var bundleTag = []byte("#bundle\x00")

// Decode parses one UDP datagram into a *Message or *Bundle.
func Decode(b []byte) (any, error) { return decode(b, 0) }

func decode(b []byte, depth int) (any, error) {
	if len(b) == 0 || len(b)%4 != 0 {
		return nil, fmt.Errorf("%w: size %d is not a positive multiple of 4", ErrMalformed, len(b))
	}
	if bytes.HasPrefix(b, bundleTag) {
		return decodeBundle(b, depth)
	}
	if b[0] != '/' {
		return nil, fmt.Errorf("%w: address does not start with /", ErrMalformed)
	}
	return decodeMessage(b)
}

func decodeBundle(b []byte, depth int) (*Bundle, error) {
	if depth >= maxDepth {
		return nil, fmt.Errorf("%w: bundles nested deeper than %d", ErrMalformed, maxDepth)
	}
	if len(b) < 16 {
		return nil, fmt.Errorf("%w: bundle header truncated", ErrMalformed)
	}
	bd := &Bundle{Time: Timetag(binary.BigEndian.Uint64(b[8:16]))}
	rest := b[16:]
	for len(rest) > 0 {
		if len(rest) < 4 {
			return nil, fmt.Errorf("%w: bundle element size truncated", ErrMalformed)
		}
		n := binary.BigEndian.Uint32(rest)
		rest = rest[4:]
		if n == 0 || uint64(n) > uint64(len(rest)) {
			return nil, fmt.Errorf("%w: bundle element size %d of %d bytes left", ErrMalformed, n, len(rest))
		}
		el, err := decode(rest[:n], depth+1)
		if err != nil {
			return nil, err
		}
		bd.Elements = append(bd.Elements, el)
		rest = rest[n:]
	}
	return bd, nil
}

// readString reads a NUL-terminated, 4-byte padded OSC string.
func readString(b []byte) (string, []byte, error) {
	i := bytes.IndexByte(b, 0)
	if i < 0 {
		return "", nil, fmt.Errorf("%w: unterminated string", ErrMalformed)
	}
	n := (i + 4) &^ 3
	if n > len(b) {
		return "", nil, fmt.Errorf("%w: string padding truncated", ErrMalformed)
	}
	return string(b[:i]), b[n:], nil
}

func decodeMessage(b []byte) (*Message, error) {
	addr, rest, err := readString(b)
	if err != nil {
		return nil, err
	}
	m := &Message{Address: addr}
	if len(rest) == 0 { // OSC 1.0 tolerates a missing type tag string
		return m, nil
	}
	tags, rest, err := readString(rest)
	if err != nil {
		return nil, err
	}
	if len(tags) == 0 || tags[0] != ',' {
		return nil, fmt.Errorf("%w: type tag string does not start with ','", ErrMalformed)
	}
	tags = tags[1:]
	if len(tags) > 0 {
		m.Args = make([]any, 0, len(tags))
	}
	for _, t := range []byte(tags) {
		var v any
		switch t {
		case 'i', 'f', 'c', 'r', 'm':
			if len(rest) < 4 {
				return nil, fmt.Errorf("%w: argument %q truncated", ErrMalformed, t)
			}
			u := binary.BigEndian.Uint32(rest)
			switch t {
			case 'i':
				v = int32(u)
			case 'f':
				v = math.Float32frombits(u)
			case 'c':
				v = Char(u)
			case 'm':
				v = MIDIMsg(rest[:4])
			default:
				v = RGBA(rest[:4])
			}
			rest = rest[4:]
		case 'h', 'd', 't':
			if len(rest) < 8 {
				return nil, fmt.Errorf("%w: argument %q truncated", ErrMalformed, t)
			}
			u := binary.BigEndian.Uint64(rest)
			switch t {
			case 'h':
				v = int64(u)
			case 'd':
				v = math.Float64frombits(u)
			default:
				v = Timetag(u)
			}
			rest = rest[8:]
		case 's', 'S':
			var s string
			if s, rest, err = readString(rest); err != nil {
				return nil, err
			}
			v = s
		case 'b':
			if len(rest) < 4 {
				return nil, fmt.Errorf("%w: blob size truncated", ErrMalformed)
			}
			n := uint64(binary.BigEndian.Uint32(rest))
			padded := (n + 3) &^ 3
			if padded > uint64(len(rest)-4) {
				return nil, fmt.Errorf("%w: blob of %d bytes truncated", ErrMalformed, n)
			}
			v = bytes.Clone(rest[4 : 4+n])
			rest = rest[4+padded:]
		case 'T':
			v = true
		case 'F':
			v = false
		case 'N', 'I':
			v = nil
		case '[', ']':
			return nil, fmt.Errorf("%w: arrays", ErrUnsupported)
		default:
			return nil, fmt.Errorf("%w: type tag %q", ErrMalformed, t)
		}
		m.Args = append(m.Args, v)
	}
	if len(rest) != 0 {
		return nil, fmt.Errorf("%w: %d trailing bytes", ErrMalformed, len(rest))
	}
	return m, nil
}
