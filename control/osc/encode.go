package osc

import (
	"encoding/binary"
	"fmt"
	"math"
)

// AppendMessage appends the OSC encoding of m to dst. Args may be int32, int, int64,
// float32, float64, string, []byte, bool, nil or Timetag.
func AppendMessage(dst []byte, m *Message) ([]byte, error) {
	dst = appendString(dst, m.Address)
	tags := make([]byte, 1, len(m.Args)+1)
	tags[0] = ','
	for _, a := range m.Args {
		switch v := a.(type) {
		case int32, int:
			tags = append(tags, 'i')
		case int64:
			tags = append(tags, 'h')
		case float32:
			tags = append(tags, 'f')
		case float64:
			tags = append(tags, 'd')
		case string:
			tags = append(tags, 's')
		case []byte:
			tags = append(tags, 'b')
		case bool:
			if v {
				tags = append(tags, 'T')
			} else {
				tags = append(tags, 'F')
			}
		case nil:
			tags = append(tags, 'N')
		case Timetag:
			tags = append(tags, 't')
		case Char:
			tags = append(tags, 'c')
		case MIDIMsg:
			tags = append(tags, 'm')
		case RGBA:
			tags = append(tags, 'r')
		default:
			return nil, fmt.Errorf("osc: cannot encode argument of type %T", a)
		}
	}
	dst = appendString(dst, string(tags))
	for _, a := range m.Args {
		switch v := a.(type) {
		case int32:
			dst = binary.BigEndian.AppendUint32(dst, uint32(v))
		case int:
			dst = binary.BigEndian.AppendUint32(dst, uint32(int32(v)))
		case int64:
			dst = binary.BigEndian.AppendUint64(dst, uint64(v))
		case float32:
			dst = binary.BigEndian.AppendUint32(dst, math.Float32bits(v))
		case float64:
			dst = binary.BigEndian.AppendUint64(dst, math.Float64bits(v))
		case string:
			dst = appendString(dst, v)
		case []byte:
			dst = binary.BigEndian.AppendUint32(dst, uint32(len(v)))
			dst = append(dst, v...)
			for len(dst)%4 != 0 {
				dst = append(dst, 0)
			}
		case Timetag:
			dst = binary.BigEndian.AppendUint64(dst, uint64(v))
		case Char:
			dst = binary.BigEndian.AppendUint32(dst, uint32(v))
		case MIDIMsg:
			dst = append(dst, v[:]...)
		case RGBA:
			dst = append(dst, v[:]...)
		}
	}
	return dst, nil
}

// AppendBundle appends the OSC encoding of b to dst.
func AppendBundle(dst []byte, b *Bundle) ([]byte, error) {
	dst = append(dst, bundleTag...)
	dst = binary.BigEndian.AppendUint64(dst, uint64(b.Time))
	for _, el := range b.Elements {
		at := len(dst)
		dst = append(dst, 0, 0, 0, 0)
		var err error
		switch v := el.(type) {
		case *Message:
			dst, err = AppendMessage(dst, v)
		case *Bundle:
			dst, err = AppendBundle(dst, v)
		default:
			err = fmt.Errorf("osc: bundle element of type %T", el)
		}
		if err != nil {
			return nil, err
		}
		binary.BigEndian.PutUint32(dst[at:], uint32(len(dst)-at-4))
	}
	return dst, nil
}

func appendString(dst []byte, s string) []byte {
	dst = append(dst, s...)
	dst = append(dst, 0)
	for len(dst)%4 != 0 {
		dst = append(dst, 0)
	}
	return dst
}
