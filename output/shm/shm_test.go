//go:build linux || darwin

package shm

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	if os.Getenv("VIVID_SHM_HELPER") == "reader" {
		os.Exit(helperReader(os.Getenv("VIVID_SHM_HELPER_NAME")))
	}
	goleak.VerifyTestMain(m)
}

// useDir points segments at a private directory for the test.
func useDir(t testing.TB) string {
	d := t.TempDir()
	t.Setenv("VIVID_SHM_DIR", d)
	return d
}

func frame(w, h int, fn uint64) []byte {
	p := make([]byte, 4*w*h)
	FillPattern(p, fn)
	return p
}

func TestHeaderRoundTrip(t *testing.T) {
	h := NewHeader(1920, 1080, 3, 7, 1234)
	b := make([]byte, HeaderSize)
	h.Encode(b)
	got, err := DecodeHeader(b, h.TotalSize())
	if err != nil {
		t.Fatal(err)
	}
	if got != h {
		t.Fatalf("got %+v want %+v", got, h)
	}
	if h.SlotSize%4096 != 0 || h.SlotSize < SlotHeaderLen+1920*1080*4 {
		t.Fatalf("slot size %d", h.SlotSize)
	}
}

func TestDecodeHeaderErrors(t *testing.T) {
	good := NewHeader(4, 2, 2, 1, 1)
	tests := []struct {
		name string
		edit func(h *Header)
		size int
		want string
	}{
		{"magic", func(h *Header) { h.Magic = 1 }, 1 << 20, "shm: bad segment header: magic 0x1"},
		{"version", func(h *Header) { h.Version = 9 }, 1 << 20, "shm: bad segment header: version 9"},
		{"format", func(h *Header) { h.PixelFormat = 5 }, 1 << 20, "shm: bad segment header: pixel format 5"},
		{"zero width", func(h *Header) { h.Width = 0 }, 1 << 20, "shm: bad segment header: size 0x2"},
		{"stride", func(h *Header) { h.Stride = 8 }, 1 << 20, "shm: bad segment header: stride 8"},
		{"slots", func(h *Header) { h.Slots = 0 }, 1 << 20, "shm: bad segment header: 0 slots"},
		{"slot size", func(h *Header) { h.SlotSize = 64 }, 1 << 20, "shm: bad segment header: slot size 64"},
		{"short", func(h *Header) {}, 4096, "shm: bad segment header: needs 12288 bytes, segment has 4096"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := good
			tt.edit(&h)
			b := make([]byte, HeaderSize)
			h.Encode(b)
			_, err := DecodeHeader(b, tt.size)
			if err == nil || err.Error() != tt.want || !errors.Is(err, ErrBadHeader) {
				t.Fatalf("err %v, want %q", err, tt.want)
			}
		})
	}
}

func TestCheckName(t *testing.T) {
	for _, n := range []string{"", "a/b", "..", strings.Repeat("x", 65), "a b"} {
		if err := CheckName(n); !errors.Is(err, ErrBadName) {
			t.Errorf("%q: %v", n, err)
		}
	}
	if err := CheckName("vivid.out-1_x"); err != nil {
		t.Error(err)
	}
}

func TestWriteReadResizeClose(t *testing.T) {
	dir := useDir(t)
	w, err := NewWriter(WriterConfig{Name: "t1"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := OpenReader("t1"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("before first frame: %v", err)
	}
	ts := time.Unix(100, 5)
	if err := w.Write(frame(8, 4, 1), 8, 4, 32, ts); err != nil {
		t.Fatal(err)
	}
	r, err := OpenReader("t1")
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	buf, info, err := r.ReadFrame(nil)
	if err != nil {
		t.Fatal(err)
	}
	if fn, err := CheckPattern(buf); err != nil || fn != 1 {
		t.Fatalf("pattern %d %v", fn, err)
	}
	want := FrameInfo{Width: 8, Height: 4, Stride: 32, Frame: 1, Timestamp: ts, Generation: 1}
	if info != want {
		t.Fatalf("info %+v want %+v", info, want)
	}
	// Resize: a new generation the reader follows by itself.
	if err := w.Write(frame(6, 6, 2), 6, 6, 24, ts); err != nil {
		t.Fatal(err)
	}
	buf, info, err = r.ReadFrame(buf)
	if err != nil {
		t.Fatal(err)
	}
	if fn, err := CheckPattern(buf); err != nil || fn != 2 || info.Generation != 2 || info.Width != 6 {
		t.Fatalf("after resize: fn %d err %v info %+v", fn, err, info)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, "vivid-shm.t1")); !os.IsNotExist(err) {
		t.Fatalf("segment not removed: %v", err)
	}
	if _, _, err := r.ReadFrame(buf); !errors.Is(err, ErrWriterGone) {
		t.Fatalf("after close: %v", err)
	}
	if err := w.Write(frame(6, 6, 3), 6, 6, 24, ts); !errors.Is(err, ErrClosed) {
		t.Fatalf("write after close: %v", err)
	}
}

func TestWriteBadFrame(t *testing.T) {
	useDir(t)
	w, err := NewWriter(WriterConfig{Name: "bad"})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	err = w.Write(make([]byte, 10), 4, 4, 16, time.Now())
	if err == nil || err.Error() != "shm: bad frame size: 4x4 stride 16 with 10 bytes" {
		t.Fatalf("err %v", err)
	}
}

func TestInUseAndTakeOver(t *testing.T) {
	dir := useDir(t)
	w, err := NewWriter(WriterConfig{Name: "own"})
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Write(frame(4, 4, 1), 4, 4, 16, time.Now()); err != nil {
		t.Fatal(err)
	}
	if _, err := NewWriter(WriterConfig{Name: "own"}); !errors.Is(err, ErrInUse) {
		t.Fatalf("second writer: %v", err)
	}
	// Simulate a crash: the segment stays live but names a process that is gone.
	cmd := exec.Command("true")
	if err := cmd.Run(); err != nil {
		t.Fatal(err)
	}
	seg, err := openSegment(filepath.Join(dir, "vivid-shm.own"), true)
	if err != nil {
		t.Fatal(err)
	}
	h := seg.hdr
	h.PID = uint64(cmd.Process.Pid)
	h.Encode(seg.data)
	seg.close()
	w.mu.Lock()
	w.seg.close() // the crashed writer's mapping disappears without Close
	w.seg, w.closed = nil, true
	w.mu.Unlock()

	r, err := OpenReader("own")
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	w2, err := NewWriter(WriterConfig{Name: "own"})
	if err != nil {
		t.Fatalf("take over: %v", err)
	}
	defer w2.Close()
	if err := w2.Write(frame(4, 4, 9), 4, 4, 16, time.Now()); err != nil {
		t.Fatal(err)
	}
	buf, info, err := r.ReadFrame(nil)
	if err != nil {
		t.Fatal(err)
	}
	if fn, _ := CheckPattern(buf); fn != 9 || info.Generation != 2 || info.Frame != 2 {
		t.Fatalf("fn %d info %+v", fn, info)
	}
}

func TestSourceFollowsWriter(t *testing.T) {
	useDir(t)
	src, err := NewSource("src", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	w, err := NewWriter(WriterConfig{Name: "src", Slots: 2})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	if err := w.Write(frame(5, 3, 4), 5, 3, 20, time.Unix(7, 0)); err != nil {
		t.Fatal(err)
	}
	f, err := src.Next(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if f.Seq != 1 || f.Width() != 5 || f.Height() != 3 || !f.Captured.Equal(time.Unix(7, 0)) {
		t.Fatalf("frame %+v", f)
	}
	if fn, err := CheckPattern(f.Image.Pix); err != nil || fn != 4 {
		t.Fatalf("pattern %d %v", fn, err)
	}
}

func FuzzDecodeHeader(f *testing.F) {
	b := make([]byte, HeaderSize)
	NewHeader(64, 32, 3, 1, 1).Encode(b)
	f.Add(b, 1<<20)
	f.Add(make([]byte, 100), 0)
	f.Fuzz(func(t *testing.T, b []byte, size int) {
		h, err := DecodeHeader(b, size)
		if err == nil && (h.TotalSize() > size || h.FrameBytes() <= 0) {
			t.Fatalf("accepted %+v for size %d", h, size)
		}
	})
}
