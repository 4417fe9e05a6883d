package output

import (
	"errors"
	"log/slog"
	"net"
	"testing"
	"time"

	"github.com/hypebeast/go-osc/osc"
	"go.uber.org/goleak"

	"github.com/vivid-ml/vivid-ml-engine/engine"
)

func result(n int) *engine.PoseResult {
	r := &engine.PoseResult{Seq: 7, Captured: time.Unix(1700000000, 500_000_000), Width: 640, Height: 480}
	for i := 0; i < n; i++ {
		p := engine.Person{ID: i + 1, Score: 0.5, Box: [4]float32{0.1, 0.2, 0.3, 0.9}}
		for j := range p.Keypoints {
			p.Keypoints[j] = engine.Keypoint{X: 0.5, Y: 0.25, Score: 0.75}
		}
		r.People = append(r.People, p)
	}
	return r
}

// messages parses bundles and returns the messages in order, checking each timetag.
func messages(t *testing.T, bundles [][]byte, want time.Time) []*osc.Message {
	t.Helper()
	var out []*osc.Message
	for _, b := range bundles {
		pkt, err := osc.ParsePacket(string(b))
		if err != nil {
			t.Fatalf("parse bundle: %v", err)
		}
		bun, ok := pkt.(*osc.Bundle)
		if !ok {
			t.Fatalf("packet is %T; want bundle", pkt)
		}
		if d := bun.Timetag.Time().Sub(want); d > time.Microsecond || d < -time.Microsecond {
			t.Fatalf("timetag %v; want %v", bun.Timetag.Time(), want)
		}
		out = append(out, bun.Messages...)
	}
	return out
}

func TestEncodeSchema(t *testing.T) {
	e := PoseEncoding{}
	if err := e.Validate(); err != nil {
		t.Fatal(err)
	}
	r := result(1)
	r.Lost = []int{4}
	bundles, err := e.Encode(r, 1.5)
	if err != nil {
		t.Fatal(err)
	}
	msgs := messages(t, bundles, r.Captured)
	if len(msgs) != 1+1+2+17+1 {
		t.Fatalf("%d messages; want 22", len(msgs))
	}
	check := func(m *osc.Message, addr, tags string) {
		t.Helper()
		got, _ := m.TypeTags()
		if m.Address != addr || got != tags {
			t.Fatalf("message %s %s; want %s %s", m.Address, got, addr, tags)
		}
	}
	check(msgs[0], "/pose/frame", ",ifi")
	if msgs[0].Arguments[0] != int32(7) || msgs[0].Arguments[1] != float32(1.5) || msgs[0].Arguments[2] != int32(1) {
		t.Fatalf("/pose/frame args %v", msgs[0].Arguments)
	}
	check(msgs[1], "/pose/4/lost", ",i")
	check(msgs[2], "/pose/1/score", ",f")
	check(msgs[3], "/pose/1/box", ",ffff")
	check(msgs[4], "/pose/1/nose", ",fff")
	check(msgs[20], "/pose/1/right_ankle", ",fff")
	check(msgs[21], "/pose/1/keypoints", ","+string(make51('f')))
}

func make51(c byte) []byte {
	b := make([]byte, 51)
	for i := range b {
		b[i] = c
	}
	return b
}

func TestEncodeFormatsAndYUp(t *testing.T) {
	tests := []struct {
		format string
		count  int
	}{
		{FormatFlat, 1 + 3},
		{FormatPerKeypoint, 1 + 2 + 17},
	}
	for _, tt := range tests {
		e := PoseEncoding{Prefix: "/td/pose", Format: tt.format, YUp: true}
		if err := e.Validate(); err != nil {
			t.Fatal(err)
		}
		r := result(1)
		bundles, err := e.Encode(r, 0)
		if err != nil {
			t.Fatal(err)
		}
		msgs := messages(t, bundles, r.Captured)
		if len(msgs) != tt.count {
			t.Fatalf("%s: %d messages; want %d", tt.format, len(msgs), tt.count)
		}
		box := msgs[2].Arguments
		if msgs[2].Address != "/td/pose/1/box" || box[1] != float32(1-0.9) && box[1].(float32)-0.1 > 1e-6 || box[3] != float32(0.8) {
			t.Fatalf("%s: y-up box %v", tt.format, box)
		}
		if msgs[3].Arguments[1] != float32(0.75) {
			t.Fatalf("%s: y-up keypoint y %v; want 0.75", tt.format, msgs[3].Arguments[1])
		}
	}
}

func TestEncodeSplitsAtMaxPacket(t *testing.T) {
	e := PoseEncoding{}
	if err := e.Validate(); err != nil {
		t.Fatal(err)
	}
	r := result(6)
	bundles, err := e.Encode(r, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(bundles) < 6 {
		t.Fatalf("%d bundles for 6 people; want at least 6", len(bundles))
	}
	for i, b := range bundles {
		if len(b) > DefaultMaxPacket {
			t.Fatalf("bundle %d is %d bytes > %d", i, len(b), DefaultMaxPacket)
		}
	}
	if msgs := messages(t, bundles, r.Captured); len(msgs) != 1+6*20 {
		t.Fatalf("%d messages; want %d", len(msgs), 1+6*20)
	}
}

func TestValidate(t *testing.T) {
	tests := []struct {
		e   PoseEncoding
		err string
	}{
		{PoseEncoding{Prefix: "pose"}, `bad osc output config: prefix "pose" must start with / and hold no spaces, trailing / or OSC pattern characters`},
		{PoseEncoding{Prefix: "/a*"}, `bad osc output config: prefix "/a*" must start with / and hold no spaces, trailing / or OSC pattern characters`},
		{PoseEncoding{Format: "xml"}, `bad osc output config: format "xml": want both, per-keypoint or flat`},
		{PoseEncoding{MaxPacket: 100}, `bad osc output config: max packet 100: want 512..65000`},
	}
	for _, tt := range tests {
		err := tt.e.Validate()
		if err == nil || err.Error() != tt.err || !errors.Is(err, ErrOSCConfig) {
			t.Fatalf("Validate(%+v) = %v; want %q", tt.e, err, tt.err)
		}
	}
	if _, err := NewOSCPose(OSCPoseConfig{Targets: []string{"localhost"}}, slog.New(slog.DiscardHandler)); err == nil ||
		err.Error() != `bad osc output config: target "localhost": address localhost: missing port in address` {
		t.Fatalf("err = %v", err)
	}
}

func TestOSCPoseSendsToAllTargets(t *testing.T) {
	defer goleak.VerifyNone(t)
	var conns []*net.UDPConn
	var targets []string
	for i := 0; i < 2; i++ {
		c, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		conns = append(conns, c)
		targets = append(targets, c.LocalAddr().String())
	}
	o, err := NewOSCPose(OSCPoseConfig{Targets: targets}, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	r := result(1)
	r.Lost = []int{9}
	o.WritePose(r)
	for _, c := range conns {
		buf := make([]byte, 2048)
		c.SetReadDeadline(time.Now().Add(5 * time.Second))
		n, _, err := c.ReadFromUDP(buf)
		if err != nil {
			t.Fatal(err)
		}
		msgs := messages(t, [][]byte{buf[:n]}, r.Captured)
		if msgs[0].Address != "/pose/frame" || msgs[1].Address != "/pose/9/lost" {
			t.Fatalf("first messages %s %s", msgs[0].Address, msgs[1].Address)
		}
	}
	if err := o.Close(); err != nil {
		t.Fatal(err)
	}
	if s := o.Stats(); s.Results != 1 || s.Packets != 2 {
		t.Fatalf("stats %+v; want 1 result, 2 packets", s)
	}
}

func TestOSCPoseKeepsLostWhenDropping(t *testing.T) {
	o := &OSCPose{wake: make(chan struct{}, 1)}
	a := &engine.PoseResult{Seq: 1, Lost: []int{3}}
	b := &engine.PoseResult{Seq: 2, Lost: []int{5}}
	o.WritePose(a)
	o.WritePose(b)
	got := o.take()
	if got.Seq != 2 || len(got.Lost) != 2 || got.Lost[0] != 3 || got.Lost[1] != 5 {
		t.Fatalf("pending %+v; want seq 2 lost [3 5]", got)
	}
	if len(b.Lost) != 1 {
		t.Fatal("WritePose modified the caller's result")
	}
	if o.Stats().Dropped != 1 {
		t.Fatalf("dropped %d; want 1", o.Stats().Dropped)
	}
}

func TestOSCPoseMaxRateKeepsNewest(t *testing.T) {
	defer goleak.VerifyNone(t)
	c, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	sent := make(chan uint64, 10)
	o, err := NewOSCPose(OSCPoseConfig{
		Targets: []string{c.LocalAddr().String()}, MaxRate: 0.001, // one per 1000 s: only Close flushes the second
		OnSent: func(r *engine.PoseResult, _ time.Time) { sent <- r.Seq },
	}, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	o.WritePose(&engine.PoseResult{Seq: 1})
	if s := <-sent; s != 1 {
		t.Fatalf("first sent %d; want 1", s)
	}
	o.WritePose(&engine.PoseResult{Seq: 2, Lost: []int{4}})
	o.WritePose(&engine.PoseResult{Seq: 3})
	if err := o.Close(); err != nil {
		t.Fatal(err)
	}
	if s := <-sent; s != 3 {
		t.Fatalf("flushed %d; want 3", s)
	}
	var got []string
	buf := make([]byte, 2048)
	for i := 0; i < 2; i++ {
		c.SetReadDeadline(time.Now().Add(5 * time.Second))
		n, _, err := c.ReadFromUDP(buf)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range messages(t, [][]byte{buf[:n]}, time.Time{}) {
			got = append(got, m.Address)
		}
	}
	if len(got) != 3 || got[2] != "/pose/4/lost" {
		t.Fatalf("addresses %v; want the lost message of the dropped result kept", got)
	}
}
