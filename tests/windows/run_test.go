//go:build linux

package windows

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestWineRun is the Windows build's end-to-end run under wine, one engine for all of it:
// pose on the test pattern with the store's onnxruntime.dll → OSC bundles at Linux's
// oscdump; OSC control from oscsend with feedback; a mapping file under C:\ (spaces in
// the path) reloaded by the Windows file watcher, a broken one reported; the
// TouchDesigner Shared Mem writer read by another Windows process; /healthz and
// /metrics; Ctrl-C (wine's console CTRL_C_EVENT) → exit 0 with the shared memory released.
func TestWineRun(t *testing.T) {
	r := needRig(t)
	oscdump, oscsend := tool(t, "oscdump"), tool(t, "oscsend")
	mapDir := r.driveC(t, "vivid e2e/map dir")
	mf := filepath.Join(mapDir, "touch osc.yaml")
	writeMapping := func(body string) {
		t.Helper()
		if err := os.WriteFile(mf+".new", []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.Rename(mf+".new", mf); err != nil { // how many editors save
			t.Fatal(err)
		}
	}
	writeMapping("rules:\n  - osc: {address: /1/fader1}\n    target: strength\n    range: [0.2, 0.8]\n")

	posePort, fbPort, inPort, httpPort := freeUDPPort(t), freeUDPPort(t), freeUDPPort(t), freeTCPPort(t)
	pose := start(t, exec.Command(oscdump, "-L", fmt.Sprint(posePort)))
	fb := start(t, exec.Command(oscdump, "-L", fmt.Sprint(fbPort)))
	td := fmt.Sprintf("vividwine%d", os.Getpid())
	eng := start(t, r.engine("run", "--offline", "--cache-dir", r.cache(), "--source", "testpattern",
		"--osc-out", addr(posePort), "--osc-in", addr(inPort), "--feedback", addr(fbPort),
		"--mapping", r.winPath(mf), "--td-shm", td+":input", "--http", addr(httpPort)))

	t.Run("pose to oscdump", func(t *testing.T) {
		eng.waitLine(t, 0, "pose model ready", 60*time.Second)
		pose.waitLine(t, 0, "/pose/frame ifi", 30*time.Second, eng)
		l := pose.waitLine(t, 0, "/pose/0/keypoints ", 10*time.Second, eng)
		if n := len(strings.Fields(l)); n < 3+51 {
			t.Fatalf("keypoints message has %d fields, want 51 floats: %s", n, l)
		}
		pose.waitLine(t, 0, "/pose/0/left_wrist fff", 10*time.Second, eng)
		if l, ok := eng.find(0, `msg="model loaded"`); !ok ||
			!strings.Contains(strings.ReplaceAll(l, `\\`, `\`), r.cache()+`\movenet-lightning\4\model.onnx`) {
			t.Fatalf("model not loaded from the Windows cache path: %q\n%s", l, eng)
		}
	})

	send := func(args ...string) {
		t.Helper()
		if out, err := exec.Command(oscsend, append([]string{"127.0.0.1", fmt.Sprint(inPort)}, args...)...).CombinedOutput(); err != nil {
			t.Fatalf("oscsend %v: %v\n%s", args, err, out)
		}
	}
	// await resends msg until feedback shows want after the call began (a reload may still debounce).
	await := func(t *testing.T, want string, msg ...string) {
		t.Helper()
		from := fb.mark()
		for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(150 * time.Millisecond) {
			send(msg...)
			if _, ok := fb.find(from, want); ok {
				return
			}
		}
		t.Fatalf("feedback never showed %q\nfeedback:\n%s\nengine:\n%s", want, fb, eng)
	}
	t.Run("osc control and mapping reload", func(t *testing.T) {
		await(t, "/vivid/param/strength f 0.250000", "/vivid/strength", "f", "0.25")
		await(t, "/vivid/param/steps i 3", "/vivid/steps", "i", "3")
		await(t, "/vivid/param/strength f 0.500000", "/1/fader1", "f", "0.5") // 0.2 + 0.6·0.5
		writeMapping("rules:\n  - osc: {address: /1/fader1}\n    target: strength\n    range: [0, 0.5]\n")
		await(t, "/vivid/param/strength f 0.250000", "/1/fader1", "f", "0.5")
		from := fb.mark()
		writeMapping("rules:\n  - osc: {address: /1/fader1}\n    target: strenght\n")
		l := fb.waitLine(t, from, "/vivid/error s", 30*time.Second, eng)
		if want := r.winPath(mf) + `:3:13: unknown target "strenght"`; !strings.Contains(l, want) {
			t.Fatalf("/vivid/error %q lacks %q", l, want)
		}
		await(t, "/vivid/param/strength f 0.500000", "/1/fader1", "f", "1.0") // old rules still in force
	})

	t.Run("health and metrics", func(t *testing.T) {
		for _, path := range []string{"/healthz", "/metrics"} {
			resp, err := (&http.Client{Timeout: 10 * time.Second}).Get("http://" + addr(httpPort) + path)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != 200 {
				t.Fatalf("%s: %d %s", path, resp.StatusCode, body)
			}
			if path == "/metrics" && !strings.Contains(string(body), "vivid_frames_total") {
				t.Fatalf("/metrics lacks vivid_frames_total")
			}
		}
	})

	t.Run("touchdesigner shm read by a windows process", func(t *testing.T) {
		out, err := output(r.exe("winpeer.exe", "tdshm", td), false)
		if err != nil {
			t.Fatalf("winpeer tdshm: %v\n%s\nengine:\n%s", err, out, eng)
		}
		var got struct {
			Width, Height int32
			Format        uint32
			DataSize      int64
			Mean          float64
			OpaqueAlpha   bool
		}
		if err := json.Unmarshal(out, &got); err != nil {
			t.Fatalf("%v: %s", err, out)
		}
		if got.Width != 640 || got.Height != 480 || got.Format != 37 || got.DataSize != 640*480*4 ||
			!got.OpaqueAlpha || got.Mean < 5 {
			t.Fatalf("segment %+v: want 640x480 RGBA8 (37), opaque, not black", got)
		}
	})

	t.Run("ctrl-c releases shared memory", func(t *testing.T) {
		took := eng.interrupt(t, 15*time.Second)
		t.Logf("Ctrl-C to exit: %v", took)
		if eng.err != nil {
			t.Fatalf("exit: %v\n%s", eng.err, eng)
		}
		if out, err := output(r.exe("winpeer.exe", "gone", td), true); err != nil {
			t.Fatalf("after exit: %v %s", err, out)
		}
	})
}

// TestWineShmOutUnsupported: the POSIX shared-memory ring is Linux/macOS only; on Windows
// `--shm-out` must stop the engine at start (TouchDesigner Shared Mem and Spout are the
// Windows outputs), not start and drop every frame.
func TestWineShmOutUnsupported(t *testing.T) {
	r := needRig(t)
	out, err := output(r.engine("run", "--offline", "--cache-dir", r.cache(), "--frames", "1",
		"--osc-out", addr(freeUDPPort(t)), "--osc-in", addr(freeUDPPort(t)), "--shm-out", "ring"), true)
	if err == nil || !strings.Contains(string(out), "--shm-out ring: shm: only on linux and macos") {
		t.Fatalf("want a start-up error naming --shm-out: %v\n%s", err, out)
	}
}
