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

// runToEnd runs the engine under the harness with stdin (written frame bytes at a
// time, pace apart, once the source starts) and returns its exit code and log.
func runToEnd(t *testing.T, stdin []byte, pace time.Duration, frame int, args ...string) (int, string) {
	t.Helper()
	cmd := engine(withFreeListeners(args)...)
	w, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	p := startCmd(t, cmd)
	go func() { // paced, so the pose stage sees frames instead of dropping all but the newest
		defer w.Close()
		for len(stdin) > 0 && !p.has("source starting") {
			if !p.running() {
				return
			}
			time.Sleep(20 * time.Millisecond)
		}
		for len(stdin) > 0 {
			n := min(frame, len(stdin))
			if _, err := w.Write(stdin[:n]); err != nil {
				return
			}
			stdin = stdin[n:]
			time.Sleep(pace)
		}
	}()
	if err := p.wait(t, 2*time.Minute); err != nil && p.exitCode() == 0 {
		t.Fatal(err)
	}
	return p.exitCode(), p.String()
}

// TestBadInputStartup: a broken file named on the command line stops `run` before it
// starts, with exit status 1 and an error naming the file.
func TestBadInputStartup(t *testing.T) {
	dir := t.TempDir()
	cfg := filepath.Join(dir, "engine.yaml")
	huge := filepath.Join(dir, "huge.yaml")
	bin := filepath.Join(dir, "bin.yaml")
	for f, body := range map[string][]byte{
		cfg:  []byte("source: {spec: testpattern}\npose: {enabled: false}\nosc_out: {targets: []}\n"),
		huge: bytes.Repeat([]byte("# 10 MB of comments, more than any mapping needs....\n"), 10<<20/50),
		bin:  []byte("rules:\n\x00\x9f\x92\x96"),
	} {
		if err := os.WriteFile(f, body, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for _, c := range []struct{ name, mapping, want string }{
		{"mapping is a directory", dir, "mapping " + dir + ": read " + dir + ": is a directory"},
		{"10 MB mapping", huge, huge + ": file larger than 1048576 bytes"},
		{"binary mapping", bin, bin + ":2:2: invalid UTF-8 byte 0x9f"},
	} {
		t.Run(c.name, func(t *testing.T) {
			code, log := runToEnd(t, nil, 0, 1, "run", "--config", cfg, "--osc-in", fmt.Sprintf("127.0.0.1:%d", freeUDPPort(t)),
				"--mapping", c.mapping, "--frames", "5")
			if code != 1 || !strings.Contains(log, c.want) {
				t.Fatalf("exit %d, want 1 and %q in:\n%s", code, c.want, log)
			}
		})
	}
}

// TestBadInputFrames: odd frame sizes (1x1, 3x5 with a partial last frame, a 641x481
// image) go through pose without errors; an unreadable image is reported by name and
// the engine keeps retrying (and still stops cleanly) instead of exiting.
func TestBadInputFrames(t *testing.T) {
	dir := t.TempDir()
	odd := filepath.Join(dir, "odd.png")
	writeTestPattern(t, odd, 641, 481, 0.5)
	noise := func(n int) []byte {
		b := make([]byte, n)
		for i := range b {
			b[i] = byte(i*7 + i/13)
		}
		return b
	}
	for _, c := range []struct {
		name   string
		source string
		stdin  []byte
		frame  int
		log    string
	}{
		{"stdin 1x1", "stdin:1x1", noise(4 * 20), 4, ""},
		{"stdin 3x5 with a partial last frame", "stdin:3x5", noise(3*5*4*12 + 7), 3 * 5 * 4, "input ended inside a 3x5 frame"},
		{"641x481 image", odd, nil, 1, ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			pose := newUDPSink(t)
			args := []string{"run", "--source", c.source, "--osc-out", pose.addr(), "--osc-in", "off"}
			if c.stdin == nil {
				args = append(args, "--frames", "15") // stdin runs until its end
			}
			code, log := runToEnd(t, c.stdin, 50*time.Millisecond, c.frame, args...)
			if code != 0 || !strings.Contains(log, "pose_errors=0") {
				t.Fatalf("exit %d (want 0, pose_errors=0):\n%s", code, log)
			}
			if c.log != "" && !strings.Contains(log, c.log) {
				t.Fatalf("log lacks %q:\n%s", c.log, log)
			}
			// Paced stdin frames all reach pose; an image source at 30 fps may lose
			// some to newest-wins drops on a loaded machine.
			want := 3
			if c.stdin == nil {
				want = 1
			}
			if !pose.waitPackets(want-1, 5*time.Second) {
				t.Fatalf("%d pose datagrams, want %d or more:\n%s", pose.packets(), want, log)
			}
			t.Logf("%d pose datagrams", pose.packets())
		})
	}

	garbage := filepath.Join(dir, "garbage.png")
	if err := os.WriteFile(garbage, noise(1000), 0o644); err != nil {
		t.Fatal(err)
	}
	// The same unreadable image alone (the source fails and is retried with backoff) and
	// inside a folder of good ones (the bad file is skipped and reported, the rest play).
	folder := filepath.Join(dir, "folder")
	if err := os.Mkdir(folder, 0o755); err != nil {
		t.Fatal(err)
	}
	writeTestPattern(t, filepath.Join(folder, "a.png"), 320, 240, 0.1)
	if err := os.WriteFile(filepath.Join(folder, "b.png"), noise(1000), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ source, bad, then string }{
		{garbage, garbage, "source failed; restarting"},
		{folder, filepath.Join(folder, "b.png"), "skipping unreadable image"},
	} {
		eng := startEngine(t, "run", "--source", c.source, "--osc-in", "off", "--osc-out", fmt.Sprintf("127.0.0.1:%d", freeUDPPort(t)))
		eng.waitLog(t, 0, "load image "+c.bad+": image: unknown format", time.Minute)
		eng.waitLog(t, 0, c.then, 30*time.Second) // not fatal either way
		time.Sleep(200 * time.Millisecond)
		if !eng.running() {
			t.Fatalf("%s: engine exited on an unreadable image:\n%s", c.source, eng)
		}
		eng.cmd.Process.Signal(syscall.SIGTERM)
		<-eng.done
		if eng.err != nil {
			t.Fatalf("%s: exit after SIGTERM: %v\n%s", c.source, eng.err, eng)
		}
	}
}

// TestBadInputCorruptModel: a flipped byte in a cached converted model is named by
// `models verify` and `check --offline`; `run --offline` converts it again from its
// cached source; with the source damaged too, check names the damaged source file and
// `run --offline` fails naming the model.
func TestBadInputCorruptModel(t *testing.T) {
	needPoseModels(t, "movenet-lightning")
	out, err := engine("models", "path", "--offline", "--log-level", "error", "onnxruntime").Output()
	if err != nil {
		t.Fatal(err)
	}
	lib := strings.TrimSpace(string(out))
	home, err := engine("models", "path", "--offline", "--log-level", "error", "movenet-lightning-tfjs").Output()
	if err != nil {
		t.Fatal(err)
	}
	srcDir := filepath.Dir(strings.TrimSpace(string(home))) // CACHE/movenet-lightning-tfjs/4
	cache := t.TempDir()
	copyTree(t, srcDir, filepath.Join(cache, "movenet-lightning-tfjs", "4"))
	onnxPath, err := engine("models", "path", "--offline", "--log-level", "error", "movenet-lightning").Output()
	if err != nil {
		t.Fatal(err)
	}
	copyTree(t, filepath.Dir(strings.TrimSpace(string(onnxPath))), filepath.Join(cache, "movenet-lightning", "4"))
	model := filepath.Join(cache, "movenet-lightning", "4", "model.onnx")
	flip(t, model, 4096)

	_, stderr, code := runEngine(t, "models", "verify", "--cache-dir", cache, "movenet-lightning")
	if code == 0 || !strings.Contains(stderr, model) {
		t.Fatalf("models verify: exit %d, want non-zero naming %s:\n%s", code, model, stderr)
	}
	// The source is intact, so run will convert the model again: check says so, naming the file.
	stdout, _, code := runEngine(t, "check", "--offline", "--cache-dir", cache, "--ort-lib", lib)
	if code != 0 || !strings.Contains(stdout, "ok model movenet-lightning ") || !strings.Contains(stdout, "run converts it again") ||
		!strings.Contains(stdout, model) {
		t.Fatalf("check: exit %d, want 0 and a line naming %s:\n%s", code, model, stdout)
	}
	args := []string{"run", "--offline", "--cache-dir", cache, "--ort-lib", lib, "--source", "testpattern",
		"--osc-in", "off", "--osc-out", fmt.Sprintf("127.0.0.1:%d", freeUDPPort(t)), "--frames", "3"}
	code, log := runToEnd(t, nil, 0, 1, args...)
	if code != 0 || !strings.Contains(log, "msg=converting") || !strings.Contains(log, model) {
		t.Fatalf("run with a corrupt converted model: exit %d, want 0 after converting it again:\n%s", code, log)
	}
	if _, stderr, code := runEngine(t, "models", "verify", "--cache-dir", cache, "movenet-lightning"); code != 0 {
		t.Fatalf("verify after the repair: exit %d\n%s", code, stderr)
	}

	flip(t, model, 4096)
	flip(t, filepath.Join(cache, "movenet-lightning-tfjs", "4", "movenet-lightning.bin"), 1000)
	if _, stderr, code := runEngine(t, "models", "verify", "--cache-dir", cache, "movenet-lightning-tfjs"); code == 0 ||
		!strings.Contains(stderr, "movenet-lightning.bin") {
		t.Fatalf("verify of the damaged source: exit %d, want non-zero naming movenet-lightning.bin:\n%s", code, stderr)
	}
	stdout, _, code = runEngine(t, "check", "--offline", "--cache-dir", cache, "--ort-lib", lib)
	if code != 1 || !strings.Contains(stdout, "error model movenet-lightning: ") || !strings.Contains(stdout, "movenet-lightning.bin") {
		t.Fatalf("check with model and source damaged: exit %d, want 1 naming movenet-lightning.bin:\n%s", code, stdout)
	}
	code, log = runToEnd(t, nil, 0, 1, args...)
	if code != 1 || !strings.Contains(log, "model movenet-lightning") || !strings.Contains(log, "offline") {
		t.Fatalf("run offline with model and source damaged: exit %d, want 1 naming the model:\n%s", code, log)
	}
	t.Logf("offline, model and source damaged: %s", lastLine(log))
}

func lastLine(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return lines[len(lines)-1]
}

// flip inverts one byte of path at off.
func flip(t *testing.T, path string, off int64) {
	t.Helper()
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	b := make([]byte, 1)
	if _, err := f.ReadAt(b, off); err != nil {
		t.Fatal(err)
	}
	b[0] ^= 0xff
	if _, err := f.WriteAt(b, off); err != nil {
		t.Fatal(err)
	}
}

// copyTree copies the regular files of src into dst.
func copyTree(t *testing.T, src, dst string) {
	t.Helper()
	if err := os.MkdirAll(dst, 0o755); err != nil {
		t.Fatal(err)
	}
	entries, err := os.ReadDir(src)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if !e.Type().IsRegular() {
			continue
		}
		b, err := os.ReadFile(filepath.Join(src, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dst, e.Name()), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}
