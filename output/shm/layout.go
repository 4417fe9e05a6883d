package shm

import (
	"encoding/binary"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
)

// Layout constants; docs/shm.md documents every byte. All integers are little-endian.
const (
	Magic         = 0x4d535656 // "VVSM" read as a little-endian uint32
	Version       = 1
	HeaderSize    = 4096 // first slot starts here (page aligned)
	SlotHeaderLen = 64   // per-slot header before the pixels
	DefaultSlots  = 3

	// PixelRGBA8 is 8-bit R, G, B, A per pixel, in that byte order.
	PixelRGBA8 = 1
)

// Header field offsets (bytes from the start of the segment).
const (
	offMagic       = 0  // u32
	offVersion     = 4  // u32
	offHeaderSize  = 8  // u32
	offPixelFormat = 12 // u32
	offWidth       = 16 // u32
	offHeight      = 20 // u32
	offStride      = 24 // u32, bytes per row
	offSlots       = 28 // u32
	offSlotSize    = 32 // u64, distance between slot starts
	offGeneration  = 40 // u64, +1 each time a segment replaces the previous one
	offCounter     = 48 // u64 atomic, frames published; the newest is in slot (counter-1)%slots
	offTimestamp   = 56 // u64 atomic, capture time of the newest frame, unix ns
	offPID         = 64 // u64, writer process id
	offState       = 72 // u32 atomic, StateLive / StateClosed / StateSuperseded
)

// Slot header offsets (bytes from the start of a slot).
const (
	slotSeq       = 0  // u64 atomic sequence lock: odd while the writer fills the slot
	slotFrame     = 8  // u64 frame number (the counter value that published it)
	slotTimestamp = 16 // u64 capture time, unix ns
)

// Segment states stored at offState.
const (
	StateLive       = 0 // a writer owns the segment
	StateClosed     = 1 // the writer exited cleanly
	StateSuperseded = 2 // a newer generation replaced this segment: reopen by name
)

// Header is the decoded fixed part of a segment header.
type Header struct {
	Magic, Version, HeaderSize, PixelFormat uint32
	Width, Height, Stride, Slots            uint32
	SlotSize, Generation                    uint64
	PID                                     uint64
}

// FrameBytes is the size of one frame's pixels.
func (h Header) FrameBytes() int { return int(h.Stride) * int(h.Height) }

// TotalSize is the segment size in bytes.
func (h Header) TotalSize() int { return int(h.HeaderSize) + int(h.Slots)*int(h.SlotSize) }

// NewHeader returns the header for an RGBA8 ring of slots frames of w×h pixels.
func NewHeader(w, h, slots int, generation uint64, pid int) Header {
	stride := 4 * w
	slotSize := (SlotHeaderLen + stride*h + 4095) &^ 4095
	return Header{
		Magic: Magic, Version: Version, HeaderSize: HeaderSize, PixelFormat: PixelRGBA8,
		Width: uint32(w), Height: uint32(h), Stride: uint32(stride), Slots: uint32(slots),
		SlotSize: uint64(slotSize), Generation: generation, PID: uint64(pid),
	}
}

// Encode writes the fixed header fields into b (at least HeaderSize bytes); the
// counter, timestamp and state are left to the atomic operations.
func (h Header) Encode(b []byte) {
	le := binary.LittleEndian
	le.PutUint32(b[offMagic:], h.Magic)
	le.PutUint32(b[offVersion:], h.Version)
	le.PutUint32(b[offHeaderSize:], h.HeaderSize)
	le.PutUint32(b[offPixelFormat:], h.PixelFormat)
	le.PutUint32(b[offWidth:], h.Width)
	le.PutUint32(b[offHeight:], h.Height)
	le.PutUint32(b[offStride:], h.Stride)
	le.PutUint32(b[offSlots:], h.Slots)
	le.PutUint64(b[offSlotSize:], h.SlotSize)
	le.PutUint64(b[offGeneration:], h.Generation)
	le.PutUint64(b[offPID:], h.PID)
}

// DecodeHeader parses and validates a segment header; size is the mapped length.
func DecodeHeader(b []byte, size int) (Header, error) {
	if len(b) < 80 {
		return Header{}, fmt.Errorf("%w: %d bytes", ErrBadHeader, len(b))
	}
	le := binary.LittleEndian
	h := Header{
		Magic: le.Uint32(b[offMagic:]), Version: le.Uint32(b[offVersion:]),
		HeaderSize: le.Uint32(b[offHeaderSize:]), PixelFormat: le.Uint32(b[offPixelFormat:]),
		Width: le.Uint32(b[offWidth:]), Height: le.Uint32(b[offHeight:]),
		Stride: le.Uint32(b[offStride:]), Slots: le.Uint32(b[offSlots:]),
		SlotSize: le.Uint64(b[offSlotSize:]), Generation: le.Uint64(b[offGeneration:]),
		PID: le.Uint64(b[offPID:]),
	}
	switch {
	case h.Magic != Magic:
		return h, fmt.Errorf("%w: magic %#x", ErrBadHeader, h.Magic)
	case h.Version != Version:
		return h, fmt.Errorf("%w: version %d", ErrBadHeader, h.Version)
	case h.HeaderSize < 80 || h.HeaderSize%8 != 0:
		return h, fmt.Errorf("%w: header size %d", ErrBadHeader, h.HeaderSize)
	case h.PixelFormat != PixelRGBA8:
		return h, fmt.Errorf("%w: pixel format %d", ErrBadHeader, h.PixelFormat)
	case h.Width == 0 || h.Height == 0 || h.Width > 16384 || h.Height > 16384:
		return h, fmt.Errorf("%w: size %dx%d", ErrBadHeader, h.Width, h.Height)
	case h.Stride < 4*h.Width:
		return h, fmt.Errorf("%w: stride %d", ErrBadHeader, h.Stride)
	case h.Slots == 0 || h.Slots > 64:
		return h, fmt.Errorf("%w: %d slots", ErrBadHeader, h.Slots)
	case h.SlotSize%8 != 0 || h.SlotSize < uint64(SlotHeaderLen)+uint64(h.Stride)*uint64(h.Height):
		return h, fmt.Errorf("%w: slot size %d", ErrBadHeader, h.SlotSize)
	case h.TotalSize() > size:
		return h, fmt.Errorf("%w: needs %d bytes, segment has %d", ErrBadHeader, h.TotalSize(), size)
	}
	return h, nil
}

var nameRE = regexp.MustCompile(`^[A-Za-z0-9._-]{1,64}$`)

// CheckName validates a segment name.
func CheckName(name string) error {
	if !nameRE.MatchString(name) || name == "." || name == ".." {
		return fmt.Errorf("%w: %q (want 1-64 of A-Z a-z 0-9 . _ -)", ErrBadName, name)
	}
	return nil
}

// Dir is where segments live: $VIVID_SHM_DIR if set, else /dev/shm when it exists
// (so C readers can also use shm_open("/vivid-shm.NAME")), else the temp dir (macOS).
func Dir() string {
	if d := os.Getenv("VIVID_SHM_DIR"); d != "" {
		return d
	}
	if st, err := os.Stat("/dev/shm"); err == nil && st.IsDir() {
		return "/dev/shm"
	}
	return os.TempDir()
}

// Path returns the file that backs segment name.
func Path(name string) string { return filepath.Join(Dir(), "vivid-shm."+name) }
