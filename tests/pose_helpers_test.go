package tests

import (
	"encoding/binary"
	"hash/crc32"
	"image/png"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	vivid "github.com/vivid-ml/vivid-ml-engine/engine"
)

// needPoseModels skips (fails under strict) when the pose models are not provisioned;
// the pose e2e tests run the engine with --offline.
func needPoseModels(t *testing.T, names ...string) {
	t.Helper()
	for _, n := range append([]string{"onnxruntime"}, names...) {
		if out, err := engine("models", "path", "--offline", "--log-level", "error", n).CombinedOutput(); err != nil {
			msg := "model " + n + " not provisioned (make provision): " + strings.TrimSpace(string(out))
			if strict() {
				t.Fatal(msg)
			}
			t.Skip(msg)
		}
	}
}

// writeTestPattern writes the engine's test pattern at time s as a PNG.
func writeTestPattern(t *testing.T, path string, w, h int, s float64) {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := png.Encode(f, vivid.DrawTestPattern(w, h, s)); err != nil {
		t.Fatal(err)
	}
}

// oscLine is one message as oscdump prints it: timetag, address, type tags, arguments.
type oscLine struct {
	Timetag string
	Addr    string
	Types   string
	Args    []string
}

// oscDump is a running `oscdump -L PORT` (liblo) under the harness.
type oscDump struct {
	*proc
	Port int
}

// probeAddr is what startOSCDump sends until oscdump prints it: proof that it is
// bound and reading, whatever else shares the machine. Lines for it are dropped.
const probeAddr = "/vivid-test/probe"

// startOSCDump starts oscdump on a free UDP port and waits until it prints a probe
// message sent to that port. If the port was taken in between (oscdump exits), it
// starts again on another one.
func startOSCDump(t *testing.T) *oscDump {
	t.Helper()
	bin := needTool(t, "oscdump")
	for attempt := 0; ; attempt++ {
		port := freeUDPPort(t)
		d := &oscDump{Port: port, proc: startCmd(t, exec.Command(bin, "-L", strconv.Itoa(port)))}
		probe, err := net.DialUDP("udp4", nil, &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1), Port: port})
		if err != nil {
			t.Fatal(err)
		}
		msg := append([]byte(probeAddr+"\x00\x00\x00"), ',', 0, 0, 0)
		for deadline := time.Now().Add(readyWait); ; time.Sleep(20 * time.Millisecond) {
			if d.has(probeAddr) {
				_ = probe.Close()
				return d
			}
			if !d.running() || time.Now().After(deadline) {
				break
			}
			_, _ = probe.Write(msg) // lost while oscdump is not yet reading: sent again
		}
		_ = probe.Close()
		if d.running() || attempt == 2 {
			t.Fatalf("oscdump on port %d never printed a probe (exit %v):\n%s", port, d.err, d.proc)
		}
	}
}

func (d *oscDump) target() string { return "127.0.0.1:" + strconv.Itoa(d.Port) }

// stop ends oscdump and returns every line it printed (probes left out).
func (d *oscDump) stop() []oscLine {
	_ = d.proc.stop() // oscdump exits by signal
	d.mu.Lock()
	defer d.mu.Unlock()
	var out []oscLine
	for _, l := range d.lines {
		f := strings.Fields(l)
		if len(f) < 3 || f[1] == probeAddr {
			continue
		}
		out = append(out, oscLine{Timetag: f[0], Addr: f[1], Types: f[2], Args: f[3:]})
	}
	return out
}

// poseFrame is one /pose/frame bundle group: the messages sharing its timetag.
type poseFrame struct {
	Seq    int
	People int
	IDs    map[int]bool
	Scores map[int]float64
	Lost   []int
}

// checkSchema validates every line against the documented schema (prefix /pose,
// format both) and groups them into frames.
func checkSchema(t *testing.T, lines []oscLine) []poseFrame {
	t.Helper()
	kp := map[string]bool{}
	for _, n := range vivid.KeypointNames {
		kp[n] = true
	}
	var frames []poseFrame
	byTag := map[string]*poseFrame{}
	for _, l := range lines {
		for _, a := range l.Args {
			if _, err := strconv.ParseFloat(a, 64); err != nil {
				t.Fatalf("%s: argument %q is not a number", l.Addr, a)
			}
		}
		if len(l.Args) != len(l.Types) {
			t.Fatalf("%s: %d arguments for type tags %q", l.Addr, len(l.Args), l.Types)
		}
		if l.Addr == "/pose/frame" {
			if l.Types != "ifi" {
				t.Fatalf("/pose/frame types %q; want ifi", l.Types)
			}
			seq, _ := strconv.Atoi(l.Args[0])
			n, _ := strconv.Atoi(l.Args[2])
			frames = append(frames, poseFrame{Seq: seq, People: n, IDs: map[int]bool{}, Scores: map[int]float64{}})
			byTag[l.Timetag] = &frames[len(frames)-1]
			continue
		}
		parts := strings.Split(strings.TrimPrefix(l.Addr, "/pose/"), "/")
		if !strings.HasPrefix(l.Addr, "/pose/") || len(parts) != 2 {
			t.Fatalf("unexpected address %s", l.Addr)
		}
		id, err := strconv.Atoi(parts[0])
		if err != nil {
			t.Fatalf("address %s: person id %q is not a number", l.Addr, parts[0])
		}
		want := map[string]string{"score": "f", "box": "ffff", "keypoints": strings.Repeat("f", 51), "lost": "i"}[parts[1]]
		if kp[parts[1]] {
			want = "fff"
		}
		if want == "" || l.Types != want {
			t.Fatalf("%s: types %q; want %q", l.Addr, l.Types, want)
		}
		f := byTag[l.Timetag]
		if f == nil {
			t.Fatalf("%s: timetag %s has no /pose/frame before it", l.Addr, l.Timetag)
		}
		switch parts[1] {
		case "lost":
			f.Lost = append(f.Lost, id)
		case "score":
			f.IDs[id] = true
			f.Scores[id], _ = strconv.ParseFloat(l.Args[0], 64)
		}
	}
	for _, f := range frames {
		if len(f.IDs) != f.People {
			t.Fatalf("frame %d announces %d people, has messages for %d", f.Seq, f.People, len(f.IDs))
		}
	}
	return frames
}

// tempPNGDir writes n test pattern frames, s seconds apart, into a new folder.
func tempPNGDir(t *testing.T, n, w, h int, step float64) string {
	t.Helper()
	dir := t.TempDir()
	for i := 0; i < n; i++ {
		writeTestPattern(t, filepath.Join(dir, "f"+strconv.Itoa(100+i)+".png"), w, h, float64(i)*step)
	}
	return dir
}

// writePNGHeader writes a PNG that declares w×h RGBA pixels but holds no image data:
// enough for a decoder to size its buffers from, nothing to decode.
func writePNGHeader(t *testing.T, path string, w, h uint32) {
	t.Helper()
	chunk := func(typ string, data []byte) []byte {
		b := binary.BigEndian.AppendUint32(nil, uint32(len(data)))
		b = append(append(b, typ...), data...)
		return binary.BigEndian.AppendUint32(b, crc32.ChecksumIEEE(append([]byte(typ), data...)))
	}
	ihdr := binary.BigEndian.AppendUint32(binary.BigEndian.AppendUint32(nil, w), h)
	ihdr = append(ihdr, 8, 6, 0, 0, 0) // 8-bit RGBA, deflate, no filter method, no interlace
	b := append([]byte("\x89PNG\r\n\x1a\n"), chunk("IHDR", ihdr)...)
	b = append(b, chunk("IEND", nil)...)
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
}
