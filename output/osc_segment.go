package output

import (
	"encoding/binary"
	"fmt"
	"net"
)

// OSCSegment sends a summary of each segmentation mask as one OSC bundle (immediate timetag)
// to every target: PREFIX/found i (1 when any pixel passes the threshold), PREFIX/coverage f
// (mean matte alpha, 0..1) and PREFIX/box ffff (x0, y0, x1, y1 of the pixels over the
// threshold, normalized 0..1; zeros when none). Send is called from one goroutine.
type OSCSegment struct {
	conn    *net.UDPConn
	targets []*net.UDPAddr
	prefix  string
	buf     []byte
}

// NewOSCSegment resolves the targets and opens one UDP socket.
func NewOSCSegment(targets []string, prefix string) (*OSCSegment, error) {
	if len(targets) == 0 {
		return nil, fmt.Errorf("%w: no targets", ErrOSCConfig)
	}
	o := &OSCSegment{prefix: prefix}
	for _, t := range targets {
		a, err := net.ResolveUDPAddr("udp", t)
		if err != nil {
			return nil, fmt.Errorf("%w: target %q: %w", ErrOSCConfig, t, err)
		}
		if a.Port == 0 {
			return nil, fmt.Errorf("%w: target %q: port must not be 0", ErrOSCConfig, t)
		}
		o.targets = append(o.targets, a)
	}
	conn, err := net.ListenUDP("udp", nil)
	if err != nil {
		return nil, fmt.Errorf("osc segment out: %w", err)
	}
	o.conn = conn
	return o, nil
}

// Send writes one summary bundle to every target.
func (o *OSCSegment) Send(found bool, coverage float32, box [4]float32) error {
	b := append(o.buf[:0], "#bundle\x00"...)
	b = binary.BigEndian.AppendUint64(b, 1)
	msg := func(leaf, tags string, ints []int32, floats []float32) {
		at := len(b)
		b = append(b, 0, 0, 0, 0)
		addr := o.prefix + "/" + leaf
		b = padString(append(b, addr...), len(addr))
		b = padString(append(b, ","+tags...), len(tags)+1)
		for _, v := range ints {
			b = appendI32(b, v)
		}
		for _, v := range floats {
			b = appendF32(b, v)
		}
		binary.BigEndian.PutUint32(b[at:], uint32(len(b)-at-4))
	}
	f := int32(0)
	if found {
		f = 1
	}
	msg("found", "i", []int32{f}, nil)
	msg("coverage", "f", nil, []float32{coverage})
	msg("box", "ffff", nil, box[:])
	o.buf = b
	var err error
	for _, t := range o.targets {
		if _, werr := o.conn.WriteToUDP(b, t); werr != nil && err == nil {
			err = fmt.Errorf("osc segment out: %w", werr)
		}
	}
	return err
}

// Close closes the socket.
func (o *OSCSegment) Close() error { return o.conn.Close() }
