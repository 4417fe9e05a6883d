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
	var logs syncBuffer
	view.Stderr = &logs
	if err := view.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() {
		view.Process.Signal(os.Interrupt)
		if err := view.Wait(); err != nil {
			t.Errorf("shm view exit: %v\n%s", err, logs.String())
		}
	}()
	base := fmt.Sprintf("http://127.0.0.1:%d", port)
	deadline := time.Now().Add(30 * time.Second)
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
			t.Fatalf("preview not serving frames: %v\n%s", err, logs.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
	a := chromiumShot(t, chromium, base+"/")
	b := chromiumShot(t, chromium, base+"/")
	if n := colors(a, region); n < 50 {
		t.Fatalf("stream region looks blank: %d colours", n)
	}
	if !differs(a, b, region) {
		t.Fatal("stream picture did not change between screenshots")
	}
}

// TestPreviewRunInChromium: the same check against `run --http` (test-pattern source,
// pose on): the input picture is drawn and changes between screenshots.
func TestPreviewRunInChromium(t *testing.T) {
	chromium := needTool(t, "chromium")
	port := freePort(t)
	run := engine("run", "--http", fmt.Sprintf(":%d", port))
	var logs syncBuffer
	run.Stdout, run.Stderr = &logs, &logs
	if err := run.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() {
		run.Process.Signal(os.Interrupt)
		if err := run.Wait(); err != nil {
			t.Errorf("run exit: %v\n%s", err, logs.String())
		}
	}()
	base := fmt.Sprintf("http://127.0.0.1:%d", port)
	deadline := time.Now().Add(60 * time.Second)
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
			t.Fatalf("run --http not serving frames: %v\n%s", err, logs.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
	a := chromiumShot(t, chromium, base+"/")
	b := chromiumShot(t, chromium, base+"/")
	if n := colors(a, region); n < 20 {
		t.Fatalf("input region looks blank: %d colours", n)
	}
	if !differs(a, b, region) {
		t.Fatal("input picture did not change between screenshots")
	}
}
