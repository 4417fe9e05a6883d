//go:build windows

package spout

import (
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"
)

// memTextures stands in for D3D11 where it cannot share textures (wine 8): the
// registry, info map, mutexes and frame count are all real.
type memTextures struct{ n uint32 }

type memTexture struct{}

func (m *memTextures) CreateShared(w, h, format uint32) (Texture, uint32, error) {
	m.n++
	return memTexture{}, 0x7e570000 + m.n, nil
}
func (m *memTextures) Close()                   {}
func (memTexture) Update(pix []byte, pitch int) {}
func (memTexture) Release()                     {}

// TestSenderRegistry runs under wine in `make test-windows` (and on Windows): registry,
// active sender, info map, frame count, resize and Close, as a receiver reads them.
func TestSenderRegistry(t *testing.T) {
	name := fmt.Sprintf("vivid spout test %d", os.Getpid())
	s, err := NewSender(Config{Name: name, Textures: &memTextures{}})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	const w, h = 64, 32
	for i := 0; i < 3; i++ {
		if err := s.Write(make([]byte, 4*w*h), w, h, 4*w); err != nil {
			t.Fatal(err)
		}
	}
	names, active, err := Senders()
	if err != nil || !slices.Contains(names, name) || active != name {
		t.Fatalf("registry %q active %q err %v; want %q listed and active", names, active, err, name)
	}
	info, err := Info(name)
	if err != nil {
		t.Fatal(err)
	}
	if info.Width != w || info.Height != h || info.Format != FormatBGRA8 || info.ShareHandle != 0x7e570001 ||
		info.PartnerID != 0 || !strings.HasSuffix(strings.ToLower(info.Description), ".exe") {
		t.Fatalf("info %+v", info)
	}
	if n := frameCount(name); n != 3 {
		t.Errorf("frame count %d, want 3", n)
	}
	if err := s.Write(make([]byte, 4*8*8), 8, 8, 32); err != nil {
		t.Fatal(err)
	}
	if info, _ := Info(name); info.Width != 8 || info.Height != 8 || info.ShareHandle != 0x7e570002 {
		t.Fatalf("after resize: %+v", info)
	}
	// A second sender of the same name is registered as the SDK does it: NAME_1.
	s2, err := NewSender(Config{Name: name, Textures: &memTextures{}})
	if err != nil {
		t.Fatal(err)
	}
	if err := s2.Write(make([]byte, 16), 2, 2, 8); err != nil || s2.Name() != name+"_1" {
		t.Fatalf("second sender %q %v, want %q", s2.Name(), err, name+"_1")
	}
	if _, active, _ := Senders(); active != name+"_1" {
		t.Fatalf("active %q, want the newest sender", active)
	}
	if err := s2.Close(); err != nil {
		t.Fatal(err)
	}
	if _, active, _ := Senders(); active != name {
		t.Fatalf("active %q after the newest closed, want %q", active, name)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if names, _, _ := Senders(); slices.Contains(names, name) {
		t.Fatalf("still registered after Close: %q", names)
	}
	if _, err := Info(name); err == nil {
		t.Fatal("info map still open after Close")
	}
}

// TestSenderD3D11 sends through a real D3D11 shared texture and reads the pixels back
// on a second device. Under wine 8 it stops where wine does and says so.
func TestSenderD3D11(t *testing.T) {
	name := fmt.Sprintf("vivid spout d3d %d", os.Getpid())
	s, err := NewSender(Config{Name: name})
	if err != nil {
		t.Skipf("no texture-sharing D3D11 here: %v", err)
	}
	defer s.Close()
	const w, h = 64, 32
	pix := make([]byte, 4*w*h)
	for i := 0; i < len(pix); i += 4 {
		pix[i], pix[i+1], pix[i+2], pix[i+3] = 200, 100, 50, 255 // RGBA
	}
	if err := s.Write(pix, w, h, 4*w); err != nil {
		t.Fatal(err)
	}
	f, err := ReadFrame(name)
	if err != nil {
		t.Fatal(err)
	}
	if got := f.Pix[:4]; got[0] != 50 || got[1] != 100 || got[2] != 200 || got[3] != 255 {
		t.Fatalf("first pixel BGRA %v, want [50 100 200 255]", got)
	}
}

// TestD3D11UploadReadBack checks the D3D11 calls the sender makes per frame through
// their vtable slots (CreateTexture2D, UpdateSubresource, Flush, CopyResource, Map,
// Unmap) on one device, without sharing: this part runs under wine 8 (Xvfb + Mesa).
func TestD3D11UploadReadBack(t *testing.T) {
	dev, err := openDevice()
	if err != nil {
		t.Skipf("no D3D11 device (needs a display under wine): %v", err)
	}
	defer dev.close()
	const w, h = 37, 5 // odd width: the staging row pitch is padded
	tex, err := dev.createTexture(w, h, FormatBGRA8, d3dUsageDefault, d3dBindRenderTarget|d3dBindShaderResource, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer tex.release()
	pix := make([]byte, 4*w*h)
	for i := range pix {
		pix[i] = byte(i * 7)
	}
	dev.update(tex, pix, 4*w)
	got := make([]byte, len(pix))
	if err := dev.readBack(tex, w, h, FormatBGRA8, got); err != nil {
		t.Fatal(err)
	}
	for i := range pix {
		if got[i] != pix[i] {
			t.Fatalf("byte %d: got %d, want %d (driver %s)", i, got[i], pix[i], dev.driver)
		}
	}
}
