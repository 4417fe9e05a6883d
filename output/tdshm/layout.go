// Package tdshm writes frames in the TouchDesigner Shared Mem layout (Windows file
// mappings + a named mutex) for a "Shared Mem In TOP". Clean-room: written from the
// wire format in FACTS.md and docs/shm.md, not from Derivative's source.
// Spout (DX11 shared textures) is output/spout.
package tdshm

import (
	"encoding/binary"
	"fmt"
	"math"
	"unicode/utf16"
)

// TOP header constants.
const (
	TopMagic      = 0xd95ef835
	TopVersion    = 1
	TopHeaderSize = 56 // bytes used by the header; pixels start at DataOffset
	DataOffset    = 64 // where this writer puts the pixels (honour the field when reading)

	InfoMagic   = 0x56ed34ba
	InfoVersion = 2
	InfoSize    = 76 // Windows layout: postfix is 32 UTF-16 units
	PostfixMax  = 32

	prefix     = "TouchSHM"
	decoration = "4jhd783h"
)

// Pixel formats of the TOP header (TouchDesigner's numbering).
const (
	FormatRGBA8   = 37 // R8G8B8A8_UNORM
	FormatBGRA8   = 44 // B8G8R8A8_UNORM
	FormatRGBA16F = 97
	FormatRGBA32F = 109
)

// TopHeader is the header at the start of the data segment.
type TopHeader struct {
	Magic, Version   uint32
	Width, Height    int32
	AspectX, AspectY float32
	PixelFormat      uint32
	DataSize         int64
	DataOffset       int32
}

// Info is the info segment a receiver reads first: it names the data segment's
// postfix (changed on resize) and says when the sender detached.
type Info struct {
	Magic, Version uint32
	Supported      bool
	Postfix        string
	Detach         bool
}

// Names of the Windows objects for a Shared Mem In TOP "Memory Name".
func SegmentName(name, postfix string) string { return prefix + name + postfix }
func MutexName(name string) string            { return prefix + name + "Mutex" }
func InfoName(name string) string             { return prefix + prefix + name + decoration }
func InfoMutexName(name string) string        { return InfoName(name) + "Mutex" }

// CheckName validates a memory name.
func CheckName(name string) error {
	if name == "" || len(name) > 64 {
		return fmt.Errorf("%w: %q", ErrBadName, name)
	}
	for _, r := range name {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_' || r == '-') {
			return fmt.Errorf("%w: %q", ErrBadName, name)
		}
	}
	return nil
}

// NewTopHeader describes an RGBA8 w×h frame with pixels at DataOffset.
func NewTopHeader(w, h int) TopHeader {
	return TopHeader{Magic: TopMagic, Version: TopVersion, Width: int32(w), Height: int32(h),
		AspectX: float32(w), AspectY: float32(h), PixelFormat: FormatRGBA8,
		DataSize: int64(4 * w * h), DataOffset: DataOffset}
}

// Encode writes the header into b (≥ TopHeaderSize bytes), little-endian, zeroing padding.
func (h TopHeader) Encode(b []byte) {
	clear(b[:TopHeaderSize])
	le := binary.LittleEndian
	le.PutUint32(b[0:], h.Magic)
	le.PutUint32(b[4:], h.Version)
	le.PutUint32(b[8:], uint32(h.Width))
	le.PutUint32(b[12:], uint32(h.Height))
	le.PutUint32(b[16:], math.Float32bits(h.AspectX))
	le.PutUint32(b[20:], math.Float32bits(h.AspectY))
	le.PutUint32(b[24:], h.PixelFormat)
	le.PutUint64(b[32:], uint64(h.DataSize))
	le.PutUint32(b[40:], uint32(h.DataOffset))
}

// DecodeTopHeader parses and checks a header from a segment of size bytes.
func DecodeTopHeader(b []byte, size int) (TopHeader, error) {
	if len(b) < 44 {
		return TopHeader{}, fmt.Errorf("%w: %d bytes", ErrBadHeader, len(b))
	}
	le := binary.LittleEndian
	h := TopHeader{Magic: le.Uint32(b[0:]), Version: le.Uint32(b[4:]),
		Width: int32(le.Uint32(b[8:])), Height: int32(le.Uint32(b[12:])),
		AspectX: math.Float32frombits(le.Uint32(b[16:])), AspectY: math.Float32frombits(le.Uint32(b[20:])),
		PixelFormat: le.Uint32(b[24:]), DataSize: int64(le.Uint64(b[32:])), DataOffset: int32(le.Uint32(b[40:]))}
	switch {
	case h.Magic != TopMagic:
		return h, fmt.Errorf("%w: magic %#x", ErrBadHeader, h.Magic)
	case h.Width <= 0 || h.Height <= 0:
		return h, fmt.Errorf("%w: size %dx%d", ErrBadHeader, h.Width, h.Height)
	case h.DataOffset < 44 || h.DataSize < 0 || int64(h.DataOffset)+h.DataSize > int64(size):
		return h, fmt.Errorf("%w: data %d bytes at %d in a %d-byte segment", ErrBadHeader, h.DataSize, h.DataOffset, size)
	}
	return h, nil
}

// Encode writes the info block into b (≥ InfoSize bytes).
func (in Info) Encode(b []byte) error {
	units := utf16.Encode([]rune(in.Postfix))
	if len(units) >= PostfixMax {
		return fmt.Errorf("%w: postfix %q too long", ErrBadName, in.Postfix)
	}
	clear(b[:InfoSize])
	le := binary.LittleEndian
	le.PutUint32(b[0:], in.Magic)
	le.PutUint32(b[4:], in.Version)
	if in.Supported {
		b[8] = 1
	}
	for i, u := range units {
		le.PutUint16(b[10+2*i:], u)
	}
	if in.Detach {
		b[74] = 1
	}
	return nil
}

// DecodeInfo parses an info block.
func DecodeInfo(b []byte) (Info, error) {
	if len(b) < InfoSize {
		return Info{}, fmt.Errorf("%w: info is %d bytes", ErrBadHeader, len(b))
	}
	le := binary.LittleEndian
	in := Info{Magic: le.Uint32(b[0:]), Version: le.Uint32(b[4:]), Supported: b[8] != 0, Detach: b[74] != 0}
	if in.Magic != InfoMagic {
		return in, fmt.Errorf("%w: info magic %#x", ErrBadHeader, in.Magic)
	}
	var units []uint16
	for i := 0; i < PostfixMax; i++ {
		u := le.Uint16(b[10+2*i:])
		if u == 0 {
			break
		}
		units = append(units, u)
	}
	in.Postfix = string(utf16.Decode(units))
	return in, nil
}

// CopyFlipped copies a top-down RGBA frame into dst bottom row first: TouchDesigner
// textures start at the bottom-left.
func CopyFlipped(dst, pix []byte, w, h, stride int) {
	row := 4 * w
	for y := 0; y < h; y++ {
		copy(dst[(h-1-y)*row:(h-y)*row], pix[y*stride:y*stride+row])
	}
}
