// Package spout is a Spout 2 sender (Windows, DirectX 11, no cgo): frames go into a
// shared BGRA D3D11 texture whose handle is published the way the Spout SDK publishes
// it, so Spout receivers (TouchDesigner, Resolume, OBS) list and read it.
//
// Clean-room from the public SDK source (github.com/leadedge/Spout2, SPOUTSDK/SpoutGL:
// SpoutSenderNames.cpp, SpoutSharedMemory.cpp, SpoutFrameCount.cpp, SpoutCommon.h,
// SpoutDirectX.cpp); no SDK code is in this repository. The byte layouts are here, the
// Windows objects in *_windows.go, and docs/spout.md describes both.
package spout

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"sort"
)

// Names and sizes the SDK uses (SpoutSenderNames.h/.cpp, SpoutFrameCount.cpp).
const (
	NamesMap     = "SpoutSenderNames" // registry: MaxSenders × 256-byte names, sorted, "" ends the list
	ActiveMap    = "ActiveSenderName" // 256 bytes: the sender a receiver takes by default
	NameLen      = 256                // SpoutMaxSenderNameLen, terminating NUL included
	MaxSenders   = 64                 // default; HKCU\Software\Leading Edge\Spout\MaxSenders overrides
	InfoSize     = 280                // sizeof(SharedTextureInfo)
	mutexSuffix  = "_mutex"           // every SpoutSharedMemory map has "<map>_mutex"
	accessSuffix = "_SpoutAccessMutex"
	countSuffix  = "_Count_Semaphore"
	registryKey  = `Software\Leading Edge\Spout`
	lockTimeout  = 67 // ms, as SpoutSharedMemory::Lock and spoutFrameCount::CheckAccess
)

// DXGI formats a Spout sender announces (dxgiformat.h).
const (
	FormatBGRA8 = 87 // DXGI_FORMAT_B8G8R8A8_UNORM, the SDK's default
	FormatRGBA8 = 28 // DXGI_FORMAT_R8G8B8A8_UNORM
)

// Partner ids (spoutSenderNames::SetSenderID): bit 31 CPU sharing, bit 30 GL/DX interop.
const (
	PartnerCPU  = 0x80000000
	PartnerGLDX = 0x40000000
)

// TextureInfo is the SDK's SharedTextureInfo, the per-sender map named after the sender.
type TextureInfo struct {
	ShareHandle   uint32 // low 32 bits of the D3D11 shared handle (HandleToLong)
	Width, Height uint32
	Format        uint32 // DXGI_FORMAT
	Usage         uint32
	Description   string // the SDK writes the sender's executable path (≤ 255 bytes)
	PartnerID     uint32
}

// Encode writes the 280-byte SharedTextureInfo into b.
func (in TextureInfo) Encode(b []byte) error {
	if len(b) < InfoSize {
		return fmt.Errorf("%w: info buffer is %d bytes", ErrBadLayout, len(b))
	}
	if len(in.Description) >= 256 {
		in.Description = in.Description[:255]
	}
	clear(b[:InfoSize])
	le := binary.LittleEndian
	le.PutUint32(b[0:], in.ShareHandle)
	le.PutUint32(b[4:], in.Width)
	le.PutUint32(b[8:], in.Height)
	le.PutUint32(b[12:], in.Format)
	le.PutUint32(b[16:], in.Usage)
	copy(b[20:276], in.Description)
	le.PutUint32(b[276:], in.PartnerID)
	return nil
}

// DecodeInfo parses a SharedTextureInfo.
func DecodeInfo(b []byte) (TextureInfo, error) {
	if len(b) < InfoSize {
		return TextureInfo{}, fmt.Errorf("%w: info is %d bytes", ErrBadLayout, len(b))
	}
	le := binary.LittleEndian
	return TextureInfo{ShareHandle: le.Uint32(b[0:]), Width: le.Uint32(b[4:]), Height: le.Uint32(b[8:]),
		Format: le.Uint32(b[12:]), Usage: le.Uint32(b[16:]), Description: cString(b[20:276]),
		PartnerID: le.Uint32(b[276:])}, nil
}

// DecodeNames reads the registry as readSenderSetFromBuffer does: 256-byte slots up
// to the first empty one or max slots.
func DecodeNames(b []byte, max int) []string {
	var out []string
	for i := 0; i < max && (i+1)*NameLen <= len(b); i++ {
		n := cString(b[i*NameLen : (i+1)*NameLen])
		if n == "" {
			break
		}
		out = append(out, n)
	}
	return out
}

// EncodeNames writes names as writeBufferFromSenderSet does: sorted and unique (a
// std::set<std::string>), one per 256-byte slot, an empty slot after the last.
func EncodeNames(b []byte, names []string, max int) {
	set := map[string]bool{}
	for _, n := range names {
		set[n] = true
	}
	sorted := make([]string, 0, len(set))
	for n := range set {
		sorted = append(sorted, n)
	}
	sort.Strings(sorted) // std::string's operator< is bytewise, as Go's
	i := 0
	for ; i < len(sorted) && i < max && (i+1)*NameLen <= len(b); i++ {
		slot := b[i*NameLen : (i+1)*NameLen]
		clear(slot)
		copy(slot[:NameLen-1], sorted[i])
	}
	if i < max && i*NameLen < len(b) {
		b[i*NameLen] = 0
	}
}

// CheckName accepts what the SDK can register: 1–255 bytes, no NUL, no path separator
// (the name is also a Windows object name).
func CheckName(name string) error {
	if name == "" || len(name) >= NameLen || bytes.ContainsAny([]byte(name), "\x00\\") {
		return fmt.Errorf("%w: %q", ErrBadName, name)
	}
	return nil
}

// Object names of one sender.
func mutexName(mapName string) string    { return mapName + mutexSuffix }
func accessMutexName(name string) string { return name + accessSuffix }
func countName(name string) string       { return name + countSuffix }

func cString(b []byte) string {
	if i := bytes.IndexByte(b, 0); i >= 0 {
		b = b[:i]
	}
	return string(b)
}

// SwapRB copies RGBA rows (stride bytes apart) into dst as tightly packed BGRA.
func SwapRB(dst, pix []byte, w, h, stride int) {
	row := 4 * w
	for y := 0; y < h; y++ {
		s, d := pix[y*stride:y*stride+row], dst[y*row:(y+1)*row]
		for x := 0; x < row; x += 4 {
			d[x], d[x+1], d[x+2], d[x+3] = s[x+2], s[x+1], s[x], s[x+3]
		}
	}
}
