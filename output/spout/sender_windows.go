//go:build windows

package spout

import (
	"errors"
	"fmt"
	"log/slog"
	"os"
	"runtime"
	"slices"
	"sync"
	"unsafe"

	"golang.org/x/sys/windows"
)

var (
	kernel32             = windows.NewLazySystemDLL("kernel32.dll")
	procCreateSemaphore  = kernel32.NewProc("CreateSemaphoreW")
	procOpenSemaphore    = kernel32.NewProc("OpenSemaphoreW")
	procReleaseSemaphore = kernel32.NewProc("ReleaseSemaphore")
)

// Config configures a Sender.
type Config struct {
	Name   string // the sender name receivers list
	Logger *slog.Logger
	// Textures makes the shared textures; nil: Direct3D 11 (hardware, else WARP). Tests
	// set their own where D3D11 cannot share textures (wine 8) to check the rest.
	Textures Textures
}

// Textures makes a sender's shared textures.
type Textures interface {
	// CreateShared makes a w×h texture of a DXGI format that other processes can open
	// by the returned handle (its low 32 bits, as Spout stores it).
	CreateShared(w, h, format uint32) (Texture, uint32, error)
	Close()
}

// Texture is one shared texture.
type Texture interface {
	Update(pix []byte, rowPitch int) // copy tightly packed pixels in and flush
	Release()
}

// d3dTextures makes D3D11_RESOURCE_MISC_SHARED textures on a D3D11 device.
type d3dTextures struct{ dev *device }

type d3dTexture struct {
	dev *device
	tex com
}

func (d d3dTextures) CreateShared(w, h, format uint32) (Texture, uint32, error) {
	tex, handle, err := d.dev.createShared(w, h, format)
	if err != nil {
		return nil, 0, err
	}
	return d3dTexture{d.dev, tex}, uint32(handle), nil
}

func (d d3dTextures) Close() { d.dev.close() }

func (t d3dTexture) Update(pix []byte, rowPitch int) { t.dev.update(t.tex, pix, rowPitch) }
func (t d3dTexture) Release()                        { t.tex.release() }

// openD3D opens a device and checks it can share a texture, so that a platform without
// sharing (wine 8: IDXGIResource::GetSharedHandle is a stub) fails at start, not per frame.
func openD3D(log *slog.Logger) (Textures, error) {
	dev, err := openDevice()
	if err != nil {
		return nil, err
	}
	log.Info("spout D3D11 device", "driver", dev.driver, "feature_level", fmt.Sprintf("%#x", dev.level))
	probe, _, err := dev.createShared(16, 16, FormatBGRA8)
	if err != nil {
		dev.close()
		return nil, fmt.Errorf("%w (this Direct3D 11 cannot share textures)", err)
	}
	probe.release()
	return d3dTextures{dev}, nil
}

// Sender publishes frames as a Spout 2 sender: a shared BGRA D3D11 texture announced
// in the SDK's registry. Methods are safe for concurrent use.
type Sender struct {
	cfg  Config
	log  *slog.Logger
	name string // as registered (the SDK's "name_1" when name was taken)

	mu                sync.Mutex
	textures          Textures
	tex               Texture
	handle            uint32
	width, height     int
	reg, active, info *shmem
	access, count     windows.Handle
	buf               []byte
	drops             uint64
	closed            bool
}

// NewSender opens a D3D11 device (unless cfg.Textures is set); the sender is registered
// with the first frame, whose size the texture takes (as the SDK's SendImage does).
func NewSender(cfg Config) (*Sender, error) {
	if err := CheckName(cfg.Name); err != nil {
		return nil, err
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	s := &Sender{cfg: cfg, name: cfg.Name, textures: cfg.Textures}
	s.log = cfg.Logger.With("component", "spout", "name", cfg.Name)
	if s.textures == nil {
		var err error
		if s.textures, err = openD3D(s.log); err != nil {
			return nil, err
		}
	}
	return s, nil
}

// Name is the name the sender is registered under (after the first frame).
func (s *Sender) Name() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.name
}

// Write publishes one RGBA8 frame (rows stride bytes apart) as BGRA.
func (s *Sender) Write(pix []byte, width, height, stride int) error {
	if width <= 0 || height <= 0 || stride < 4*width || len(pix) < stride*(height-1)+4*width {
		return fmt.Errorf("spout: bad frame %dx%d stride %d with %d bytes", width, height, stride, len(pix))
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return errors.New("spout: closed")
	}
	if s.tex == nil || width != s.width || height != s.height {
		if err := s.resize(width, height); err != nil {
			return err
		}
	}
	SwapRB(s.buf, pix, width, height, stride)
	// spoutDX::SendImage: under the access mutex, update, flush, count the frame.
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	if !lock(s.access, lockTimeout) {
		s.drops++
		return nil
	}
	defer windows.ReleaseMutex(s.access)
	s.tex.Update(s.buf, 4*width)
	s.newFrame()
	return nil
}

// resize makes the shared texture for a new size and (re)announces it.
func (s *Sender) resize(w, h int) error {
	tex, handle, err := s.textures.CreateShared(uint32(w), uint32(h), FormatBGRA8)
	if err != nil {
		return err
	}
	if s.info == nil {
		if err := s.register(); err != nil {
			tex.Release()
			return err
		}
	}
	if s.tex != nil {
		s.tex.Release()
	}
	s.tex, s.handle, s.width, s.height = tex, handle, w, h
	s.buf = make([]byte, 4*w*h)
	exe, _ := os.Executable()
	info := TextureInfo{ShareHandle: handle, Width: uint32(w), Height: uint32(h), Format: FormatBGRA8, Description: exe}
	if err := s.info.with(info.Encode); err != nil {
		return err
	}
	s.log.Info("spout sender ready", "sender", s.name, "width", w, "height", h, "format", "BGRA8", "share_handle", fmt.Sprintf("%#x", handle))
	return nil
}

// register adds the name to SpoutSenderNames (sorted set), makes it the active sender and
// creates its info map, access mutex and frame-count semaphore (SDK CreateSender,
// CreateAccessMutex, EnableFrameCount).
func (s *Sender) register() error {
	max := maxSenders()
	reg, err := createShmem(NamesMap, max*NameLen)
	if err != nil {
		return err
	}
	err = reg.with(func(b []byte) error {
		names := DecodeNames(b, max)
		if slices.Contains(names, s.name) {
			if live(s.name) { // the SDK increments a taken name: name_1, name_2…
				base := s.name
				for i := 1; slices.Contains(names, s.name); i++ {
					s.name = fmt.Sprintf("%s_%d", base, i)
				}
				s.log.Warn("spout sender name taken; registered under another", "sender", s.name)
			} else {
				names = slices.DeleteFunc(names, func(n string) bool { return n == s.name }) // left by a crashed sender
			}
		}
		if len(names) >= max {
			return fmt.Errorf("%w: %d senders", ErrFull, max)
		}
		EncodeNames(b, append(names, s.name), max)
		return nil
	})
	if err != nil {
		reg.close()
		return err
	}
	s.reg = reg
	if s.info, err = createShmem(s.name, InfoSize); err != nil {
		return errors.Join(err, s.unregister())
	}
	if err := s.setActive(s.name); err != nil {
		return errors.Join(err, s.unregister())
	}
	if s.access, err = windows.CreateMutex(nil, false, windows.StringToUTF16Ptr(accessMutexName(s.name))); s.access == 0 {
		return errors.Join(fmt.Errorf("spout: access mutex: %w", err), s.unregister())
	}
	r, _, e := procCreateSemaphore.Call(0, 1, 0x7fffffff, uintptr(unsafe.Pointer(windows.StringToUTF16Ptr(countName(s.name)))))
	if r == 0 {
		return errors.Join(fmt.Errorf("spout: frame count semaphore: %w", e), s.unregister())
	}
	s.count = windows.Handle(r)
	return nil
}

// setActive writes ActiveSenderName (kept open, as the SDK keeps m_activeSender).
func (s *Sender) setActive(name string) error {
	if s.active == nil {
		a, err := createShmem(ActiveMap, NameLen)
		if err != nil {
			return err
		}
		s.active = a
	}
	return s.active.with(func(b []byte) error {
		clear(b[:NameLen])
		copy(b[:NameLen-1], name)
		return nil
	})
}

// newFrame is spoutFrameCount::SetNewFrame: take one count, give back two (net +1).
func (s *Sender) newFrame() {
	if ev, err := windows.WaitForSingleObject(s.count, 0); err == nil && ev == windows.WAIT_OBJECT_0 {
		procReleaseSemaphore.Call(uintptr(s.count), 2, 0)
	}
}

// unregister is ReleaseSenderName: drop the name; if it was active (or one is left),
// the first remaining name becomes active.
func (s *Sender) unregister() error {
	if s.reg == nil {
		return nil
	}
	var next string
	err := s.reg.with(func(b []byte) error {
		max := min(maxSenders(), len(b)/NameLen)
		names := slices.DeleteFunc(DecodeNames(b, max), func(n string) bool { return n == s.name })
		EncodeNames(b, names, max)
		if len(names) > 0 {
			next = names[0]
		}
		return nil
	})
	if next != "" && s.active != nil {
		var cur string
		s.active.with(func(b []byte) error { cur = cString(b[:NameLen]); return nil })
		if cur == s.name || cur == "" || !live(cur) {
			err = errors.Join(err, s.setActive(next))
		}
	}
	return err
}

// live reports whether a sender's info map exists (its process still has it open).
func live(name string) bool {
	m, err := openShmem(name)
	if err != nil {
		return false
	}
	m.close()
	return true
}

// Close unregisters the sender and releases the texture, maps and device.
func (s *Sender) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil
	}
	s.closed = true
	var err error
	if s.info != nil {
		err = errors.Join(s.info.close(), s.unregister())
		s.info = nil
	}
	for _, h := range []windows.Handle{s.access, s.count} {
		if h != 0 {
			err = errors.Join(err, windows.CloseHandle(h))
		}
	}
	for _, m := range []*shmem{s.active, s.reg} {
		if m != nil {
			err = errors.Join(err, m.close())
		}
	}
	if s.tex != nil {
		s.tex.Release()
	}
	s.textures.Close()
	if s.drops > 0 {
		s.log.Info("spout sender closed", "frames_dropped_on_busy_mutex", s.drops)
	}
	return err
}
