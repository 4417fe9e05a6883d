//go:build windows

package spout

import (
	"fmt"
	"runtime"
	"unsafe"

	"golang.org/x/sys/windows"
)

// Go reader of the Spout layout, as a receiver does it (spoutDX::ReceiveImage). It is
// this package's own reading of the SDK's layout, NOT the SDK: tests/windows also runs
// the SDK's receiver where its source is at hand (docs/spout.md).

// Senders lists the registered senders and the active one.
func Senders() (names []string, active string, err error) {
	reg, err := openShmem(NamesMap)
	if err != nil {
		return nil, "", err
	}
	defer reg.close()
	err = reg.with(func(b []byte) error {
		names = DecodeNames(b, min(maxSenders(), len(b)/NameLen))
		return nil
	})
	if a, aerr := openShmem(ActiveMap); aerr == nil {
		a.with(func(b []byte) error { active = cString(b[:NameLen]); return nil })
		a.close()
	}
	return names, active, err
}

// Info reads a sender's SharedTextureInfo.
func Info(name string) (TextureInfo, error) {
	m, err := openShmem(name)
	if err != nil {
		return TextureInfo{}, err
	}
	defer m.close()
	var info TextureInfo
	err = m.with(func(b []byte) (err error) {
		info, err = DecodeInfo(b)
		return err
	})
	return info, err
}

// Frame is one frame a receiver got: the info, BGRA pixels and the sender's frame count.
type Frame struct {
	Info  TextureInfo
	Pix   []byte
	Count int // frames the sender counted (its semaphore's count)
}

// ReadFrame opens the sender's shared texture on a new device and copies it out under
// the access mutex.
func ReadFrame(name string) (*Frame, error) {
	info, err := Info(name)
	if err != nil {
		return nil, err
	}
	if info.Width == 0 || info.Height == 0 || info.ShareHandle == 0 {
		return nil, fmt.Errorf("%w: %s has no texture yet", ErrNotFound, name)
	}
	dev, err := openDevice()
	if err != nil {
		return nil, err
	}
	defer dev.close()
	tex, err := dev.openShared(info.ShareHandle)
	if err != nil {
		return nil, err
	}
	defer tex.release()
	access, err := windows.CreateMutex(nil, false, windows.StringToUTF16Ptr(accessMutexName(name)))
	if access == 0 {
		return nil, fmt.Errorf("spout: access mutex: %w", err)
	}
	defer windows.CloseHandle(access)
	f := &Frame{Info: info, Pix: make([]byte, 4*int(info.Width)*int(info.Height)), Count: frameCount(name)}
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	if !lock(access, 1000) {
		return nil, fmt.Errorf("spout: %s busy", accessMutexName(name))
	}
	defer windows.ReleaseMutex(access)
	if err := dev.readBack(tex, info.Width, info.Height, info.Format, f.Pix); err != nil {
		return nil, err
	}
	return f, nil
}

// frameCount is spoutFrameCount::GetNewFrame's read: take one, give one back, and the
// previous count is the sender's frame number; -1 when there is no semaphore.
func frameCount(name string) int {
	const synchronize, modify = 0x00100000, 0x0002 // SEMAPHORE_MODIFY_STATE
	r, _, _ := procOpenSemaphore.Call(synchronize|modify, 0, uintptr(unsafe.Pointer(windows.StringToUTF16Ptr(countName(name)))))
	if r == 0 {
		return -1
	}
	h := windows.Handle(r)
	defer windows.CloseHandle(h)
	if ev, err := windows.WaitForSingleObject(h, 0); err != nil || ev != windows.WAIT_OBJECT_0 {
		return -1
	}
	var prev int32
	procReleaseSemaphore.Call(uintptr(h), 1, uintptr(unsafe.Pointer(&prev)))
	return int(prev)
}
