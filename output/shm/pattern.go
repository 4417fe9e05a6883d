package shm

import (
	"encoding/binary"
	"fmt"
	"hash/crc32"
)

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

const patternMul = 0x9e3779b97f4a7c15

// FillPattern writes the checksummed test pattern of frame fn into pix (≥ 16 bytes):
// bytes 0-7 hold fn, every later 8-byte word i holds fn·φ+i, and the last 4 bytes
// hold the CRC-32C of everything before them. Any mix of two frames fails CheckPattern.
func FillPattern(pix []byte, fn uint64) {
	le := binary.LittleEndian
	n := len(pix) - 4
	le.PutUint64(pix, fn)
	base := fn * patternMul
	i := 8
	for ; i+8 <= n; i += 8 {
		le.PutUint64(pix[i:], base+uint64(i))
	}
	for ; i < n; i++ {
		pix[i] = byte(base)
	}
	le.PutUint32(pix[n:], crc32.Checksum(pix[:n], castagnoli))
}

// CheckPattern verifies a frame written by FillPattern and returns its frame number.
func CheckPattern(pix []byte) (uint64, error) {
	if len(pix) < 16 {
		return 0, fmt.Errorf("%w: %d bytes", ErrPattern, len(pix))
	}
	le := binary.LittleEndian
	n := len(pix) - 4
	fn := le.Uint64(pix)
	base := fn * patternMul
	i := 8
	for ; i+8 <= n; i += 8 {
		if le.Uint64(pix[i:]) != base+uint64(i) {
			return fn, fmt.Errorf("%w: frame %d, word at byte %d", ErrPattern, fn, i)
		}
	}
	for ; i < n; i++ {
		if pix[i] != byte(base) {
			return fn, fmt.Errorf("%w: frame %d, byte %d", ErrPattern, fn, i)
		}
	}
	if got, want := le.Uint32(pix[n:]), crc32.Checksum(pix[:n], castagnoli); got != want {
		return fn, fmt.Errorf("%w: frame %d, crc %#x want %#x", ErrPattern, fn, got, want)
	}
	return fn, nil
}
