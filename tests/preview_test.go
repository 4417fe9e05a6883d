package tests

import (
	"encoding/json"
	"image"
	"net"
	"net/http"
	"testing"
	"time"
)

// freePort returns a loopback port that was free a moment ago.
func freePort(t *testing.T) int {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// colors counts distinct colours in r.
func colors(img image.Image, r image.Rectangle) int {
	seen := map[uint32]bool{}
	for y := r.Min.Y; y < r.Max.Y; y += 2 {
		for x := r.Min.X; x < r.Max.X; x += 2 {
			cr, cg, cb, _ := img.At(x, y).RGBA()
			seen[cr>>8<<16|cg>>8<<8|cb>>8] = true
		}
	}
	return len(seen)
}

func differs(a, b image.Image, r image.Rectangle) bool {
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			if a.At(x, y) != b.At(x, y) {
				return true
			}
		}
	}
	return false
}

// TestPreviewInChromium: frames written to shared memory by one engine process are
// shown by another (`shm view`, the same preview server `run --http` starts); headless
// Chromium loads the page, the MJPEG picture is painted and changes.
func TestPreviewInChromium(t *testing.T) {
	chromium := needTool(t, "chromium")
	shmDir(t)
	startShmWriter(t, "preview", "320x180", "--fps", "30")
	view := startEngine(t, "shm", "view", "preview")
	checkPreview(t, chromium, view, previewCheck{name: "shm view", what: "stream", minColors: 50})
}

// TestPreviewRunInChromium: the same check against `run --http` (test-pattern source,
// pose on): the input picture is painted and changes.
func TestPreviewRunInChromium(t *testing.T) {
	chromium := needTool(t, "chromium")
	run := startEngine(t, "run", "--http", "127.0.0.1:0")
	checkPreview(t, chromium, run, previewCheck{name: "run", what: "input", minColors: 20})
}

// previewCheck names what checkPreview expects of one preview server.
type previewCheck struct {
	name      string // command, for messages
	what      string // the picture's name in messages
	minColors int    // distinct colours the picture must show
}

// checkPreview waits until the preview server of p reports input frames, opens the
// page in headless Chromium, waits until the page has decoded the input picture, and
// checks the painted picture: it has colours and it changes (a later screenshot).
func checkPreview(t *testing.T, chromium string, p *proc, c previewCheck) {
	t.Helper()
	base := p.httpBase(t)
	for deadline := time.Now().Add(readyWait); ; time.Sleep(50 * time.Millisecond) {
		var st struct {
			Streams map[string]struct{ Frames uint64 }
		}
		resp, err := http.Get(base + "/api/status")
		if err == nil {
			err = json.NewDecoder(resp.Body).Decode(&st)
			resp.Body.Close()
		}
		if err == nil && st.Streams["input"].Frames > 0 {
			break
		}
		if !p.running() || time.Now().After(deadline) {
			t.Fatalf("%s not serving frames: %v\n%s", c.name, err, p)
		}
	}
	b := openBrowser(t, chromium, base+"/")
	const img = `document.getElementById("img-input")`
	b.waitTrue(t, "(() => { const i = "+img+"; return !!i && i.complete && i.naturalWidth > 0; })()")
	var box []float64
	b.eval(t, "(() => { const r = "+img+".getBoundingClientRect(); return [r.left, r.top, r.right, r.bottom]; })()", &box)
	r := image.Rect(int(box[0])+2, int(box[1])+2, int(box[2])-2, int(box[3])-2)
	if r.Dx() < 50 || r.Dy() < 30 {
		t.Fatalf("%s picture laid out at %v", c.what, r)
	}
	a := b.screenshot(t)
	if n := colors(a, r); n < c.minColors {
		t.Fatalf("%s picture looks blank: %d colours in %v", c.what, n, r)
	}
	// The stream keeps painting new frames: wait for one (bounded).
	for deadline := time.Now().Add(readyWait); !differs(a, b.screenshot(t), r); time.Sleep(100 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("%s picture never changed", c.what)
		}
	}
	if err := p.stop(); err != nil {
		t.Errorf("%s exit: %v", c.name, err)
	}
}
