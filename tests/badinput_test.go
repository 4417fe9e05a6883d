package tests

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"math"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// OSC byte builders for hostile packets (OSC 1.0: strings NUL-terminated and padded
// to 4 bytes, big-endian numbers). Hand-made so they can lie.
func oscStr(s string) []byte {
	b := append([]byte(s), 0)
	for len(b)%4 != 0 {
		b = append(b, 0)
	}
	return b
}

func be32(v uint32) []byte { return binary.BigEndian.AppendUint32(nil, v) }

func cat(parts ...[]byte) []byte { return bytes.Join(parts, nil) }

// bundle builds "#bundle", a timetag of "now" (1) and the given raw elements, each
// preceded by the size claimed (which may lie).
func bundle(elems ...[]byte) []byte {
	b := cat(oscStr("#bundle"), make([]byte, 7), []byte{1})
	for _, e := range elems {
		b = append(b, e...)
	}
	return b
}

func sized(n uint32, body []byte) []byte { return cat(be32(n), body) }

// badEngine is one running engine that the OSC and mapping cases are thrown at.
type badEngine struct {
	*proc
	pose, fb *udpSink
	in       net.Conn
	mapping  string
	seed     int
	http     string // base URL of --http (/healthz, /metrics)
}

// metric reads one sample of /metrics, e.g. `vivid_osc_malformed_total` or
// `vivid_reloads_total{result="failed"}`.
func (e *badEngine) metric(t *testing.T, name string) float64 {
	t.Helper()
	code, body := httpGet(t, e.http+"/metrics")
	if code != 200 {
		t.Fatalf("/metrics = %d", code)
	}
	for _, line := range strings.Split(body, "\n") {
		if v, ok := strings.CutPrefix(line, name+" "); ok {
			var f float64
			if _, err := fmt.Sscan(v, &f); err != nil {
				t.Fatalf("/metrics %s: %v", line, err)
			}
			return f
		}
	}
	t.Fatalf("/metrics has no %s:\n%.3000s", name, body)
	return 0
}

// alive checks the engine still runs, still produces frames (pose OSC out keeps
// arriving) and still answers control (/vivid/seed then /vivid/get feedback).
func (e *badEngine) alive(t *testing.T, after string) {
	t.Helper()
	n := e.pose.packets()
	if !e.pose.waitPackets(n+1, 30*time.Second) || !e.running() {
		t.Fatalf("after %s: no more frames (running=%v, err=%v):\n%s", after, e.running(), e.err, e.proc)
	}
	if code, body := httpGet(t, e.http+"/healthz"); code != 200 {
		t.Fatalf("after %s: /healthz = %d %s", after, code, body)
	}
	e.seed++
	want := fmt.Sprint(1000 + e.seed)
	e.fb.forget()
	for deadline := time.Now().Add(30 * time.Second); e.fb.find("/vivid/param/seed", want) == nil; time.Sleep(50 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("after %s: control no longer answers:\n%s", after, e.proc)
		}
		e.in.Write(cat(oscStr("/vivid/seed"), oscStr(",i"), be32(uint32(1000+e.seed))))
		e.in.Write(cat(oscStr("/vivid/get"), oscStr(",")))
	}
}

// TestBadInputMatrix throws malformed OSC, wrong types, NaN/Inf, huge and invalid
// UTF-8 strings, lying bundles and broken mapping files at one running engine:
// each is reported (debug log line, "reload rejected" and /vivid/error), counted in
// /metrics, and the engine keeps producing frames, answering control and /healthz 200.
func TestBadInputMatrix(t *testing.T) {
	oscsend := needTool(t, "oscsend")
	dir := t.TempDir()
	mf := filepath.Join(dir, "m.yaml")
	good := "rules:\n  - osc: {address: /fader}\n    target: guidance\n    range: [0, 10]\n"
	if err := os.WriteFile(mf, []byte(good), 0o644); err != nil {
		t.Fatal(err)
	}
	pose, fb := newUDPSink(t), newUDPSink(t)
	inPort, httpPort := freeUDPPort(t), freePort(t)
	eng := &badEngine{pose: pose, fb: fb, mapping: mf, http: fmt.Sprintf("http://127.0.0.1:%d", httpPort)}
	eng.proc = startEngine(t, "run", "--source", "testpattern", "--osc-out", pose.addr(),
		"--osc-in", fmt.Sprintf("127.0.0.1:%d", inPort), "--feedback", fb.addr(), "--mapping", mf,
		"--log-level", "debug", "--http", fmt.Sprintf("127.0.0.1:%d", httpPort))
	in, err := net.Dial("udp", fmt.Sprintf("127.0.0.1:%d", inPort))
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	eng.in = in
	if !pose.waitPackets(5, 2*time.Minute) {
		t.Fatalf("no pose output:\n%s", eng.proc)
	}
	eng.alive(t, "start")

	f32 := func(v float32) []byte { return be32(math.Float32bits(v)) }
	msg := func(addr, tags string, args ...[]byte) []byte {
		return cat(append([][]byte{oscStr(addr), oscStr(tags)}, args...)...)
	}
	good1 := msg("/vivid/steps", ",i", be32(3))
	nested := bundle(sized(uint32(len(good1)), good1))
	deep := good1
	for i := 0; i < 20; i++ {
		deep = bundle(sized(uint32(len(deep)), deep))
	}
	huge := msg("/vivid/prompt", ",s", oscStr(strings.Repeat("x", 65000)))

	cases := []struct {
		name    string
		packets [][]byte
		log     string // logged at debug level for each ("": nothing is logged)
	}{
		{"not osc", [][]byte{[]byte("not osc at all")}, "malformed osc packet"},
		{"empty datagram", [][]byte{{}}, "malformed osc packet"},
		{"truncated address", [][]byte{[]byte("/vivid/stre")}, "malformed osc packet"},
		{"truncated type tags", [][]byte{[]byte("/vivid/strength\x00,f")}, "malformed osc packet"},
		{"missing float argument", [][]byte{msg("/vivid/strength", ",f")}, "malformed osc packet"},
		{"short int argument", [][]byte{cat(msg("/vivid/steps", ",i"), []byte{0, 1})}, "malformed osc packet"},
		{"unterminated string", [][]byte{cat(oscStr("/vivid/prompt"), oscStr(",s"), []byte("abcd"))}, "malformed osc packet"},
		{"unknown type tag", [][]byte{msg("/vivid/strength", ",X", be32(1))}, "malformed osc packet"},
		{"blob size lies", [][]byte{msg("/vivid/prompt", ",b", be32(1<<30), []byte("abcd"))}, "malformed osc packet"},
		{"negative blob size", [][]byte{msg("/vivid/prompt", ",b", be32(0xffffffff), []byte("abcd"))}, "malformed osc packet"},
		{"bundle element size past the end", [][]byte{bundle(sized(1000, good1))}, "malformed osc packet"},
		{"bundle element size negative", [][]byte{bundle(sized(0xfffffff0, good1))}, "malformed osc packet"},
		{"bundle element size not a multiple of 4", [][]byte{bundle(sized(uint32(len(good1)-1), good1))}, "malformed osc packet"},
		{"nested bundle size lies", [][]byte{bundle(sized(uint32(len(nested)), cat(nested[:len(nested)-len(good1)-4], be32(5000), good1)))}, "malformed osc packet"},
		{"bundles nested 20 deep", [][]byte{deep}, "malformed osc packet"},
		{"truncated bundle header", [][]byte{[]byte("#bundle\x00\x00\x00")}, "malformed osc packet"},
		{"NaN float", [][]byte{msg("/vivid/strength", ",f", f32(float32(math.NaN())))}, "osc message rejected"},
		{"+Inf float", [][]byte{msg("/vivid/guidance", ",f", f32(float32(math.Inf(1))))}, "osc message rejected"},
		{"-Inf float", [][]byte{msg("/vivid/strength", ",f", f32(float32(math.Inf(-1))))}, "osc message rejected"},
		{"NaN double", [][]byte{msg("/vivid/strength", ",d", binary.BigEndian.AppendUint64(nil, math.Float64bits(math.NaN())))}, "osc message rejected"},
		// A rule drops a non-finite input silently (mapping.Rule.Eval): nothing is logged
		// or counted yet; the check below shows guidance never becomes NaN.
		{"NaN through a mapping rule", [][]byte{msg("/fader", ",f", f32(float32(math.NaN())))}, ""},
		{"invalid UTF-8 prompt", [][]byte{msg("/vivid/prompt", ",s", oscStr("\xff\xfe\xfd bad"))}, "osc message rejected"},
	}
	counter := map[string]string{ // the /metrics counter each kind of log line comes with
		"malformed osc packet": "vivid_osc_malformed_total",
		"osc message rejected": "vivid_values_rejected_total",
	}
	for _, c := range cases {
		from := eng.mark()
		var before float64
		if c.log != "" {
			before = eng.metric(t, counter[c.log])
		}
		for _, p := range c.packets {
			if _, err := in.Write(p); err != nil {
				t.Fatalf("%s: write: %v", c.name, err)
			}
		}
		if c.log != "" {
			eng.waitLog(t, from, c.log, 10*time.Second)
			if after := eng.metric(t, counter[c.log]); after <= before {
				t.Fatalf("%s: %s stayed at %v", c.name, counter[c.log], after)
			}
		}
		eng.alive(t, c.name)
	}

	// NaN and Inf never reached the parameters.
	eng.fb.forget()
	in.Write(cat(oscStr("/vivid/get"), oscStr(",")))
	for deadline := time.Now().Add(10 * time.Second); eng.fb.find("/vivid/param/strength", "") == nil; time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("no /vivid/get answer")
		}
	}
	for _, p := range []string{"strength", "guidance"} {
		if m := eng.fb.find("/vivid/param/"+p, "NaN"); m != nil {
			t.Fatalf("%s became NaN: %v", p, m.Args)
		}
		if m := eng.fb.find("/vivid/param/"+p, "Inf"); m != nil {
			t.Fatalf("%s became infinite: %v", p, m.Args)
		}
	}

	// A 64 KB datagram: a 65000-byte prompt is accepted, capped at 2048 bytes.
	if len(huge) > 65507 {
		t.Fatalf("test bug: %d-byte datagram", len(huge))
	}
	if _, err := in.Write(huge); err != nil {
		t.Fatalf("64 KB datagram: %v", err)
	}
	eng.alive(t, "64 KB prompt")
	eng.fb.forget()
	in.Write(cat(oscStr("/vivid/get"), oscStr(",")))
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		if m := eng.fb.find("/vivid/param/prompt", "xxx"); m != nil {
			if s, _ := m.Args[0].(string); len(s) != 2048 {
				t.Fatalf("64 KB prompt became %d bytes, want the 2048-byte cap", len(s))
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no prompt feedback after the 64 KB prompt:\n%s", eng.proc)
		}
	}

	// Well-formed messages with the wrong argument types, from liblo's oscsend.
	for _, args := range [][]string{
		{"/vivid/strength", "s", "loud"},
		{"/vivid/steps", "s", "many"},
		{"/vivid/prompt", "i", "3"},
		{"/vivid/strength"},
		{"/vivid/pose_model", "s", "posenet"},
		{"/vivid/preset", "i", "99"},
	} {
		from := eng.mark()
		before := eng.metric(t, "vivid_values_rejected_total")
		out, err := exec.Command(oscsend, append([]string{"127.0.0.1", fmt.Sprint(inPort)}, args...)...).CombinedOutput()
		if err != nil {
			t.Fatalf("oscsend %v: %v\n%s", args, err, out)
		}
		eng.waitLog(t, from, "osc message rejected", 10*time.Second)
		if after := eng.metric(t, "vivid_values_rejected_total"); after <= before {
			t.Fatalf("oscsend %v: vivid_values_rejected_total stayed at %v", args, after)
		}
		eng.alive(t, strings.Join(args, " "))
	}

	// Broken mapping files: each reload is rejected with the file named in the log and
	// in /vivid/error; the old rules stay in force.
	replace := func(write func(tmp string) error) {
		t.Helper()
		tmp := mf + ".new"
		if err := write(tmp); err != nil {
			t.Fatal(err)
		}
		if err := os.Rename(tmp, mf); err != nil {
			t.Fatal(err)
		}
	}
	writeFile := func(data []byte) func(string) error {
		return func(tmp string) error { return os.WriteFile(tmp, data, 0o644) }
	}
	tenMB := bytes.Repeat([]byte("# padding padding padding padding padding padding\n"), 10<<20/50)
	for _, c := range []struct {
		name  string
		write func(string) error
		err   string
	}{
		{"truncated", writeFile([]byte(good[:len(good)-12])), mf + ":5:1: could not find expected ':'"},
		{"binary", writeFile([]byte("\x00\x01\x02\xff\xfe rules")), mf + ":1:4: invalid UTF-8 byte 0xff"},
		{"10 MB", writeFile(tenMB), mf + ": file larger than 1048576 bytes"},
		{"directory", func(tmp string) error { os.Remove(mf); return os.Mkdir(tmp, 0o755) }, "is a directory"},
	} {
		t.Logf("mapping file: %s", c.name)
		from := eng.mark()
		failed := eng.metric(t, `vivid_reloads_total{result="failed"}`)
		eng.fb.forget()
		replace(c.write)
		// The watcher may or may not see a folder replace a file: SIGHUP makes sure.
		eng.cmd.Process.Signal(syscall.SIGHUP)
		eng.waitLog(t, from, "reload rejected", 10*time.Second)
		eng.waitLog(t, from, c.err, 10*time.Second)
		for deadline := time.Now().Add(10 * time.Second); eng.fb.find("/vivid/error", mf) == nil; time.Sleep(20 * time.Millisecond) {
			if time.Now().After(deadline) {
				t.Fatalf("mapping %s: no /vivid/error naming %s", c.name, mf)
			}
		}
		if after := eng.metric(t, `vivid_reloads_total{result="failed"}`); after <= failed {
			t.Fatalf("mapping %s: failed reloads stayed at %v", c.name, after)
		}
		eng.alive(t, "mapping "+c.name)
		if c.name == "directory" {
			if err := os.Remove(mf); err != nil {
				t.Fatal(err)
			}
		}
		from = eng.mark()
		replace(writeFile([]byte(good)))
		eng.cmd.Process.Signal(syscall.SIGHUP)
		eng.waitLog(t, from, "rules=1", 10*time.Second)
	}
	// The good mapping still maps /fader → guidance 0..10.
	eng.fb.forget()
	for deadline := time.Now().Add(20 * time.Second); eng.fb.find("/vivid/param/guidance", "4") == nil; time.Sleep(50 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("mapping no longer applies after the broken files:\n%s", eng.proc)
		}
		in.Write(msg("/fader", ",f", f32(0.4)))
		in.Write(cat(oscStr("/vivid/get"), oscStr(",")))
	}
}
