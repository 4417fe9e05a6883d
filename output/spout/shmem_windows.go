//go:build windows

package spout

import (
	"errors"
	"fmt"
	"runtime"
	"unsafe"

	"golang.org/x/sys/windows"
	"golang.org/x/sys/windows/registry"
)

var procOpenFileMapping = windows.NewLazySystemDLL("kernel32.dll").NewProc("OpenFileMappingW")

// shmem is one SpoutSharedMemory: a named page-file mapping plus the mutex "<name>_mutex".
type shmem struct {
	name  string
	h     windows.Handle
	addr  uintptr
	data  []byte
	mutex windows.Handle
}

// createShmem is SpoutSharedMemory::Create: create or open the mapping, map it, make the mutex.
func createShmem(name string, size int) (*shmem, error) {
	h, err := windows.CreateFileMapping(windows.InvalidHandle, nil, windows.PAGE_READWRITE, 0, uint32(size),
		windows.StringToUTF16Ptr(name))
	if h == 0 {
		return nil, fmt.Errorf("spout: create mapping %s: %w", name, err)
	}
	return mapShmem(name, h)
}

// openShmem is SpoutSharedMemory::Open: the mapping must exist.
func openShmem(name string) (*shmem, error) {
	p, err := windows.UTF16PtrFromString(name)
	if err != nil {
		return nil, fmt.Errorf("spout: %w", err)
	}
	r, _, e := procOpenFileMapping.Call(windows.FILE_MAP_READ|windows.FILE_MAP_WRITE, 0, uintptr(unsafe.Pointer(p)))
	if r == 0 {
		if errors.Is(e, windows.ERROR_FILE_NOT_FOUND) {
			return nil, fmt.Errorf("%w: %s", ErrNotFound, name)
		}
		return nil, fmt.Errorf("spout: open mapping %s: %w", name, e)
	}
	return mapShmem(name, windows.Handle(r))
}

func mapShmem(name string, h windows.Handle) (*shmem, error) {
	addr, err := windows.MapViewOfFile(h, windows.FILE_MAP_READ|windows.FILE_MAP_WRITE, 0, 0, 0)
	if err != nil {
		windows.CloseHandle(h)
		return nil, fmt.Errorf("spout: map %s: %w", name, err)
	}
	var mbi windows.MemoryBasicInformation
	if err := windows.VirtualQuery(addr, &mbi, unsafe.Sizeof(mbi)); err != nil {
		windows.UnmapViewOfFile(addr)
		windows.CloseHandle(h)
		return nil, fmt.Errorf("spout: query %s: %w", name, err)
	}
	mu, err := windows.CreateMutex(nil, false, windows.StringToUTF16Ptr(mutexName(name)))
	if mu == 0 {
		windows.UnmapViewOfFile(addr)
		windows.CloseHandle(h)
		return nil, fmt.Errorf("spout: mutex %s: %w", mutexName(name), err)
	}
	return &shmem{name: name, h: h, addr: addr, mutex: mu,
		data: unsafe.Slice((*byte)(unsafe.Add(nil, addr)), int(mbi.RegionSize))}, nil
}

// with runs fn holding the map's mutex (at most lockTimeout ms to get it, as the SDK).
// The goroutine stays on one OS thread: a Windows mutex is released by its owner thread.
func (m *shmem) with(fn func(b []byte) error) error {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	if !lock(m.mutex, lockTimeout) {
		return fmt.Errorf("spout: %s busy", mutexName(m.name))
	}
	defer windows.ReleaseMutex(m.mutex)
	return fn(m.data)
}

func (m *shmem) close() error {
	return errors.Join(windows.UnmapViewOfFile(m.addr), windows.CloseHandle(m.h), windows.CloseHandle(m.mutex))
}

// lock waits up to ms for h; an abandoned mutex (its owner died) counts as taken.
func lock(h windows.Handle, ms uint32) bool {
	ev, err := windows.WaitForSingleObject(h, ms)
	return err == nil && (ev == windows.WAIT_OBJECT_0 || ev == windows.WAIT_ABANDONED)
}

// maxSenders reads HKCU\Software\Leading Edge\Spout\MaxSenders as the SDK does (default 64).
func maxSenders() int {
	k, err := registry.OpenKey(registry.CURRENT_USER, registryKey, registry.QUERY_VALUE)
	if err != nil {
		return MaxSenders
	}
	defer k.Close()
	if v, _, err := k.GetIntegerValue("MaxSenders"); err == nil && v > 0 && v < 1<<16 {
		return int(v)
	}
	return MaxSenders
}
