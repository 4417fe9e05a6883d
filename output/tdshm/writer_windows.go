//go:build windows

package tdshm

import (
	"errors"
	"fmt"
	"log/slog"
	"runtime"
	"strconv"
	"sync"
	"time"
	"unsafe"

	"golang.org/x/sys/windows"
)

// Config configures a Writer.
type Config struct {
	Name   string // the TOP's "Memory Name"
	FlipY  bool   // write bottom row first (TouchDesigner's texture origin)
	Logger *slog.Logger
}

// mapping is one named file mapping and its view.
type mapping struct {
	h    windows.Handle
	addr uintptr
	data []byte
}

func createMapping(name string, size int) (*mapping, error) {
	h, err := windows.CreateFileMapping(windows.InvalidHandle, nil, windows.PAGE_READWRITE,
		uint32(uint64(size)>>32), uint32(size), windows.StringToUTF16Ptr(name))
	if err != nil {
		return nil, fmt.Errorf("tdshm: create mapping %s: %w", name, err)
	}
	addr, err := windows.MapViewOfFile(h, windows.FILE_MAP_WRITE|windows.FILE_MAP_READ, 0, 0, uintptr(size))
	if err != nil {
		windows.CloseHandle(h)
		return nil, fmt.Errorf("tdshm: map %s: %w", name, err)
	}
	return &mapping{h: h, addr: addr, data: unsafe.Slice((*byte)(unsafe.Add(nil, addr)), size)}, nil
}

func (m *mapping) close() error {
	return errors.Join(windows.UnmapViewOfFile(m.addr), windows.CloseHandle(m.h))
}

// lockTimeout bounds how long a frame waits for a receiver holding the mutex; the
// frame is dropped after it, so the frame loop never stalls.
const lockTimeout = 2 // ms

// Writer publishes frames to a TouchDesigner Shared Mem In TOP.
type Writer struct {
	cfg Config
	log *slog.Logger

	mu                 sync.Mutex
	info               *mapping
	infoMutex, mutex   windows.Handle
	data               *mapping
	width, height, gen int
	drops              uint64
	closed             bool
}

// NewWriter creates the info segment and mutexes; the data segment follows with the first frame.
func NewWriter(cfg Config) (*Writer, error) {
	if err := CheckName(cfg.Name); err != nil {
		return nil, err
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	w := &Writer{cfg: cfg, log: cfg.Logger.With("component", "tdshm", "name", cfg.Name)}
	var err error
	if w.info, err = createMapping(InfoName(cfg.Name), InfoSize); err != nil {
		return nil, err
	}
	if w.infoMutex, err = windows.CreateMutex(nil, false, windows.StringToUTF16Ptr(InfoMutexName(cfg.Name))); err != nil {
		w.info.close()
		return nil, fmt.Errorf("tdshm: info mutex: %w", err)
	}
	if w.mutex, err = windows.CreateMutex(nil, false, windows.StringToUTF16Ptr(MutexName(cfg.Name))); err != nil {
		w.info.close()
		windows.CloseHandle(w.infoMutex)
		return nil, fmt.Errorf("tdshm: mutex: %w", err)
	}
	return w, nil
}

// lock takes a named mutex for at most ms milliseconds (an abandoned mutex counts as taken).
// A Windows mutex belongs to the thread that took it and only that thread can release
// it: call lock and ReleaseMutex between runtime.LockOSThread and UnlockOSThread, or a
// goroutine moved to another thread leaves the mutex held for good (seen under wine:
// the reader then waits forever).
func lock(h windows.Handle, ms uint32) bool {
	ev, err := windows.WaitForSingleObject(h, ms)
	return err == nil && (ev == windows.WAIT_OBJECT_0 || ev == windows.WAIT_ABANDONED)
}

// setInfo publishes the data segment postfix (or detach) under the info mutex.
func (w *Writer) setInfo(postfix string, detach bool) error {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	if !lock(w.infoMutex, 1000) {
		return errors.New("tdshm: info mutex busy")
	}
	defer windows.ReleaseMutex(w.infoMutex)
	supported := w.info.data[8] != 0 // set by the receiver
	return Info{Magic: InfoMagic, Version: InfoVersion, Supported: supported, Postfix: postfix, Detach: detach}.Encode(w.info.data)
}

// Write publishes one RGBA8 frame. A frame of a new size gets a new data segment
// whose postfix the info segment announces.
func (w *Writer) Write(pix []byte, width, height, stride int, ts time.Time) error {
	if width <= 0 || height <= 0 || stride < 4*width || len(pix) < stride*(height-1)+4*width {
		return fmt.Errorf("tdshm: bad frame %dx%d stride %d with %d bytes", width, height, stride, len(pix))
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.closed {
		return errors.New("tdshm: closed")
	}
	if w.data == nil || width != w.width || height != w.height {
		postfix := ""
		if w.gen > 0 {
			postfix = strconv.Itoa(w.gen)
		}
		d, err := createMapping(SegmentName(w.cfg.Name, postfix), DataOffset+4*width*height)
		if err != nil {
			return err
		}
		NewTopHeader(width, height).Encode(d.data)
		if err := w.setInfo(postfix, false); err != nil {
			d.close()
			return err
		}
		if w.data != nil {
			w.data.close()
		}
		w.data, w.width, w.height = d, width, height
		w.gen++
		w.log.Info("TouchDesigner shared memory ready", "segment", SegmentName(w.cfg.Name, postfix), "width", width, "height", height)
	}
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	if !lock(w.mutex, lockTimeout) {
		w.drops++
		return nil
	}
	defer windows.ReleaseMutex(w.mutex)
	dst := w.data.data[DataOffset:]
	if w.cfg.FlipY {
		CopyFlipped(dst, pix, width, height, stride)
	} else {
		for y := 0; y < height; y++ {
			copy(dst[y*4*width:(y+1)*4*width], pix[y*stride:])
		}
	}
	return nil
}

// Close tells receivers the sender detached and releases every handle.
func (w *Writer) Close() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.closed {
		return nil
	}
	w.closed = true
	err := w.setInfo("", true)
	if w.data != nil {
		err = errors.Join(err, w.data.close())
	}
	return errors.Join(err, w.info.close(), windows.CloseHandle(w.mutex), windows.CloseHandle(w.infoMutex))
}
