package output

import (
	"net"
	"testing"
	"time"

	"github.com/hypebeast/go-osc/osc"
)

// TestOSCSegmentBundle decodes what Send writes with go-osc (an independent decoder).
func TestOSCSegmentBundle(t *testing.T) {
	l, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	o, err := NewOSCSegment([]string{l.LocalAddr().String()}, "/segment")
	if err != nil {
		t.Fatal(err)
	}
	defer o.Close()
	for _, c := range []struct {
		found bool
		cov   float32
		box   [4]float32
	}{{true, 0.25, [4]float32{0.1, 0.2, 0.6, 0.9}}, {false, 0, [4]float32{}}} {
		if err := o.Send(c.found, c.cov, c.box); err != nil {
			t.Fatal(err)
		}
		buf := make([]byte, 1024)
		if err := l.SetReadDeadline(time.Now().Add(5 * time.Second)); err != nil {
			t.Fatal(err)
		}
		n, err := l.Read(buf)
		if err != nil {
			t.Fatal(err)
		}
		pkt, err := osc.ParsePacket(string(buf[:n]))
		if err != nil {
			t.Fatalf("go-osc: %v", err)
		}
		b, ok := pkt.(*osc.Bundle)
		if !ok || len(b.Messages) != 3 {
			t.Fatalf("packet %#v", pkt)
		}
		found := int32(0)
		if c.found {
			found = 1
		}
		want := map[string][]any{
			"/segment/found":    {found},
			"/segment/coverage": {c.cov},
			"/segment/box":      {c.box[0], c.box[1], c.box[2], c.box[3]},
		}
		for _, m := range b.Messages {
			w, ok := want[m.Address]
			if !ok || len(m.Arguments) != len(w) {
				t.Fatalf("message %s %v", m.Address, m.Arguments)
			}
			for i := range w {
				if m.Arguments[i] != w[i] {
					t.Errorf("%s arg %d = %v, want %v", m.Address, i, m.Arguments[i], w[i])
				}
			}
		}
	}
	if _, err := NewOSCSegment(nil, "/segment"); err == nil {
		t.Error("no targets must fail")
	}
	if _, err := NewOSCSegment([]string{"127.0.0.1:0"}, "/segment"); err == nil {
		t.Error("port 0 must fail")
	}
}
