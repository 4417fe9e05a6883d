//go:build windows

package tdshm

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"testing"
	"time"
)

// TestWriterReaderWindows runs under wine in `make test-windows`: frames written by the
// Writer are read back through the named mappings and mutex, across a resize and Close.
func TestWriterReaderWindows(t *testing.T) {
	name := fmt.Sprintf("vividunit%d", os.Getpid())
	w, err := NewWriter(Config{Name: name, FlipY: true})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	if _, err := ReadFrame(name); err == nil {
		t.Fatal("read before the first frame: want an error")
	}
	pix := make([]byte, 4*3*2) // 3x2, row 0 = 1s, row 1 = 2s
	for i := range pix {
		pix[i] = byte(1 + i/12)
	}
	if err := w.Write(pix, 3, 2, 12, time.Now()); err != nil {
		t.Fatal(err)
	}
	f, err := ReadFrame(name)
	if err != nil {
		t.Fatal(err)
	}
	if f.Header != NewTopHeader(3, 2) || f.Info.Postfix != "" {
		t.Fatalf("header %+v info %+v", f.Header, f.Info)
	}
	if want := append(bytes.Repeat([]byte{2}, 12), bytes.Repeat([]byte{1}, 12)...); !bytes.Equal(f.Pix, want) {
		t.Fatalf("pixels (bottom row first) %v, want %v", f.Pix, want)
	}
	if err := w.Write(make([]byte, 4*5*4), 5, 4, 20, time.Now()); err != nil {
		t.Fatal(err)
	}
	if f, err = ReadFrame(name); err != nil || f.Info.Postfix != "1" || f.Header.Width != 5 || f.Header.Height != 4 {
		t.Fatalf("after resize: %+v %v", f, err)
	}
	if !Exists(name) {
		t.Fatal("Exists = false while the writer is open")
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := ReadFrame(name); !errors.Is(err, ErrNotFound) {
		t.Fatalf("after Close: %v, want ErrNotFound", err)
	}
	if Exists(name) {
		t.Fatal("info segment still open after Close")
	}
}
