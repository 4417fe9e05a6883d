package tests

import (
	"bytes"
	"encoding/json"
	"fmt"
	"image"
	"image/png"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
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

// chromiumShot loads url in headless Chromium and returns the decoded screenshot.
func chromiumShot(t *testing.T, chromium, url string) image.Image {
	t.Helper()
	dir := t.TempDir()
	shot := filepath.Join(dir, "shot.png")
	cmd := exec.Command(chromium, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
		"--disable-background-networking", "--disable-component-update", "--disable-sync",
		"--user-data-dir="+filepath.Join(dir, "profile"), "--window-size=1300,900", "--timeout=8000",
		"--screenshot="+shot, url)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	done := make(chan error, 1)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("chromium: %v\n%s", err, out.String())
		}
	case <-time.After(90 * time.Second):
		cmd.Process.Kill()
		<-done
		t.Fatalf("chromium did not finish\n%s", out.String())
	}
	f, err := os.Open(shot)
	if err != nil {
		t.Fatalf("no screenshot: %v\n%s", err, out.String())
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatal(err)
	}
	return img
}

// region is the inside of the first stream picture (input) in the page layout at 1300×900.
var region = image.Rect(30, 60, 380, 250)

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
// Chromium loads the page, the MJPEG picture is drawn and changes between screenshots.
func TestPreviewInChromium(t *testing.T) {
	chromium := needTool(t, "chromium")
	shmDir(t)
	startShmWriter(t, "preview", "320x180", "--fps", "30")
	port := freePort(t)
	view := engine("shm", "view", "preview", "--http", fmt.Sprintf(":%d", port))
	checkPreview(t, chromium, view, port, previewCheck{
		name: "shm view", wait: 30 * time.Second, what: "stream", minColors: 50})
}

// TestPreviewRunInChromium: the same check against `run --http` (test-pattern source,
// pose on): the input picture is drawn and changes between screenshots.
func TestPreviewRunInChromium(t *testing.T) {
	chromium := needTool(t, "chromium")
	port := freePort(t)
	run := engine("run", "--http", fmt.Sprintf(":%d", port))
	checkPreview(t, chromium, run, port, previewCheck{
		name: "run", wait: 60 * time.Second, what: "input", minColors: 20})
}

// previewCheck names what checkPreview expects of one preview server.
type previewCheck struct {
	name      string        // command, for messages
	wait      time.Duration // until /api/status reports input frames
	what      string        // the picture's name in messages
	minColors int           // distinct colours the stream region must show
}

// checkPreview starts cmd (serving the preview on port), waits for input frames,
// then takes two headless-Chromium screenshots: the stream region must be drawn
// and must change between them.
func checkPreview(t *testing.T, chromium string, cmd *exec.Cmd, port int, c previewCheck) {
	t.Helper()
	var logs syncBuffer
	cmd.Stdout, cmd.Stderr = &logs, &logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() {
		cmd.Process.Signal(os.Interrupt)
		if err := cmd.Wait(); err != nil {
			t.Errorf("%s exit: %v\n%s", c.name, err, logs.String())
		}
	}()
	base := fmt.Sprintf("http://127.0.0.1:%d", port)
	deadline := time.Now().Add(c.wait)
	for {
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
		if time.Now().After(deadline) {
			t.Fatalf("%s not serving frames: %v\n%s", c.name, err, logs.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
	a := chromiumShot(t, chromium, base+"/")
	b := chromiumShot(t, chromium, base+"/")
	if n := colors(a, region); n < c.minColors {
		t.Fatalf("%s region looks blank: %d colours", c.what, n)
	}
	if !differs(a, b, region) {
		t.Fatalf("%s picture did not change between screenshots", c.what)
	}
}
