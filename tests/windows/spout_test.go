//go:build linux

package windows

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// wineStop is where wine 8's D3D11 stops a Spout sender: wined3d implements
// D3D11CreateDevice and CreateTexture2D(D3D11_RESOURCE_MISC_SHARED), but
// IDXGIResource::GetSharedHandle is a stub ("fixme:dxgi:dxgi_resource_GetSharedHandle
// … stub!") returning E_NOTIMPL.
const wineStop = "IDXGIResource::GetSharedHandle: hresult 0x80004001"

// TestWineSpoutEngine starts `run --spout-out` under wine (Xvfb + Mesa): where D3D11 can
// share textures the Go reader gets the pixels; under wine 8 the engine must stop at
// start with the exact D3D11 call that is missing, not fail frame by frame.
func TestWineSpoutEngine(t *testing.T) {
	r := needRig(t)
	name := fmt.Sprintf("vivid engine %d", os.Getpid())
	eng := start(t, r.engine("run", "--offline", "--cache-dir", r.cache(), "--source", "testpattern",
		"--osc-out", addr(freeUDPPort(t)), "--osc-in", addr(freeUDPPort(t)), "--spout-out", name+":input"))
	select {
	case <-eng.done:
		if !strings.Contains(eng.String(), wineStop) {
			t.Fatalf("engine exited (%v) without naming the D3D11 call that failed:\n%s", eng.err, eng)
		}
		t.Logf("wine's D3D11 stopped the Spout sender at start, as expected under wine 8: %s", wineStop)
	case <-time.After(60 * time.Second):
		res := spoutRead(t, r, name)
		if !res.Frame {
			t.Fatalf("engine runs but the sender's texture cannot be read: %+v\n%s", res, eng)
		}
	}
}

// spoutReadResult is winpeer spout-read's JSON (the Go reader, not the SDK).
type spoutReadResult struct {
	Listed bool
	Active string
	Info   struct {
		ShareHandle, Width, Height, Format, Usage, PartnerID uint32
		Description                                          string
	}
	Frame    bool
	FrameErr string
}

func spoutRead(t *testing.T, r rig, name string) spoutReadResult {
	t.Helper()
	out, err := output(r.exe("winpeer.exe", "spout-read", name), false)
	var res spoutReadResult
	if err != nil || json.Unmarshal(out, &res) != nil {
		t.Fatalf("winpeer spout-read: %v\n%s", err, out)
	}
	return res
}

// startFakeSender runs output/spout's Sender in a Windows process with stand-in
// textures: the registry, info map, access mutex and frame count are the real ones.
func startFakeSender(t *testing.T, r rig, name string) *proc {
	t.Helper()
	p := start(t, r.exe("winpeer.exe", "spout-send", "--fake", name))
	p.waitLine(t, 0, "sending "+name, 30*time.Second)
	return p
}

// TestWineSpoutRegistry checks the sender's registry entries with the Go reader that
// follows the SDK's layout (this is NOT the SDK; TestWineSpoutSDKReceiver is), then
// that Ctrl-C unregisters it.
func TestWineSpoutRegistry(t *testing.T) {
	r := needRig(t)
	name := fmt.Sprintf("vivid registry %d", os.Getpid())
	snd := startFakeSender(t, r, name)
	res := spoutRead(t, r, name)
	if !res.Listed || res.Active != name || res.Info.Width != 320 || res.Info.Height != 240 ||
		res.Info.Format != 87 || res.Info.ShareHandle != 0x7e570001 || !strings.HasSuffix(res.Info.Description, `\winpeer.exe`) {
		t.Fatalf("Go reader saw %+v", res)
	}
	snd.interrupt(t, 15*time.Second)
	if snd.err != nil {
		t.Fatalf("sender exit: %v\n%s", snd.err, snd)
	}
	if res := spoutRead(t, r, name); res.Listed {
		t.Fatalf("still listed after Ctrl-C: %+v", res)
	}
}

// TestWineSpoutSDKReceiver runs the Spout SDK's own receiver (spoutDX, built by
// scripts/windows/test.sh from SPOUT_SDK_DIR with mingw-w64; the SDK's source is not in
// this repository, so CI without it skips) against output/spout's sender.
func TestWineSpoutSDKReceiver(t *testing.T) {
	r := needRig(t)
	recv := filepath.Join(r.dir, "spoutrecv.exe")
	if _, err := os.Stat(recv); err != nil {
		t.Skip("no Spout SDK receiver: set SPOUT_SDK_DIR=…/Spout2/SPOUTSDK for make test-windows (github.com/leadedge/Spout2)")
	}
	name := fmt.Sprintf("vivid sdk %d", os.Getpid())
	startFakeSender(t, r, name)
	out, err := output(r.exe("spoutrecv.exe", name, "100"), true)
	if err != nil {
		t.Fatalf("SDK receiver: %v\n%s", err, out)
	}
	got := map[string]string{}
	for _, l := range strings.Split(string(out), "\n") {
		if k, v, ok := strings.Cut(strings.TrimSpace(l), "="); ok && k != "sender" {
			got[k] = v
		}
	}
	t.Logf("SDK receiver:\n%s", out)
	for k, want := range map[string]string{"active": name, "width": "320", "height": "240", "format": "87",
		"handle": "000000007e570001"} {
		if got[k] != want {
			t.Errorf("SDK receiver %s = %q, want %q", k, got[k], want)
		}
	}
	if !strings.Contains(string(out), "sender="+name+"\n") && !strings.Contains(string(out), "sender="+name+"\r\n") {
		t.Errorf("SDK receiver does not list %q", name)
	}
	// The stand-in texture cannot be opened: pixels need a D3D11 that shares textures.
	if got["received"] == "true" {
		t.Errorf("SDK receiver got pixels from a stand-in handle")
	}
}
