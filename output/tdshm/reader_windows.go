//go:build windows

package tdshm

import (
	"errors"
	"fmt"
	"runtime"
	"unsafe"

	"golang.org/x/sys/windows"
)

var procOpenFileMapping = windows.NewLazySystemDLL("kernel32.dll").NewProc("OpenFileMappingW")

// openView opens the named file mapping read-only and maps all of it.
func openView(name string) (*mapping, error) {
	p, err := windows.UTF16PtrFromString(name)
	if err != nil {
		return nil, fmt.Errorf("tdshm: %w", err)
	}
	r, _, e := procOpenFileMapping.Call(windows.FILE_MAP_READ, 0, uintptr(unsafe.Pointer(p)))
	if r == 0 {
		if errors.Is(e, windows.ERROR_FILE_NOT_FOUND) {
			return nil, fmt.Errorf("%w: %s", ErrNotFound, name)
		}
		return nil, fmt.Errorf("tdshm: open mapping %s: %w", name, e)
	}
	h := windows.Handle(r)
	addr, err := windows.MapViewOfFile(h, windows.FILE_MAP_READ, 0, 0, 0)
	if err != nil {
		windows.CloseHandle(h)
		return nil, fmt.Errorf("tdshm: map %s: %w", name, err)
	}
	var mbi windows.MemoryBasicInformation
	if err := windows.VirtualQuery(addr, &mbi, unsafe.Sizeof(mbi)); err != nil {
		windows.UnmapViewOfFile(addr)
		windows.CloseHandle(h)
		return nil, fmt.Errorf("tdshm: query %s: %w", name, err)
	}
	return &mapping{h: h, addr: addr, data: unsafe.Slice((*byte)(unsafe.Add(nil, addr)), int(mbi.RegionSize))}, nil
}

// Exists reports whether the sender's info segment for name is open somewhere.
func Exists(name string) bool {
	m, err := openView(InfoName(name))
	if err != nil {
		return false
	}
	m.close()
	return true
}

// Frame is what ReadFrame copied out of a sender's segments.
type Frame struct {
	Info   Info
	Header TopHeader
	Pix    []byte // DataSize bytes from DataOffset, rows as the sender wrote them
}

// ReadFrame reads the current frame of the sender called name as a Shared Mem In
// TOP does: info segment → data segment (with the announced postfix) → header →
// pixels copied under the data mutex.
func ReadFrame(name string) (*Frame, error) {
	im, err := openView(InfoName(name))
	if err != nil {
		return nil, err
	}
	defer im.close()
	info, err := DecodeInfo(im.data)
	if err != nil {
		return nil, err
	}
	if info.Detach {
		return nil, fmt.Errorf("%w: %s detached", ErrNotFound, name)
	}
	dm, err := openView(SegmentName(name, info.Postfix))
	if err != nil {
		return nil, err
	}
	defer dm.close()
	mu, err := windows.OpenMutex(windows.SYNCHRONIZE, false, windows.StringToUTF16Ptr(MutexName(name)))
	if err != nil {
		return nil, fmt.Errorf("tdshm: open mutex: %w", err)
	}
	defer windows.CloseHandle(mu)
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	if !lock(mu, 1000) {
		return nil, errors.New("tdshm: data mutex busy")
	}
	defer windows.ReleaseMutex(mu)
	h, err := DecodeTopHeader(dm.data, len(dm.data))
	if err != nil {
		return nil, err
	}
	pix := append([]byte(nil), dm.data[h.DataOffset:int64(h.DataOffset)+h.DataSize]...)
	return &Frame{Info: info, Header: h, Pix: pix}, nil
}
