package spout

import (
	"bytes"
	"encoding/binary"
	"errors"
	"testing"
)

func TestTextureInfoBytes(t *testing.T) {
	b := bytes.Repeat([]byte{0xee}, InfoSize)
	in := TextureInfo{ShareHandle: 0xc0004242, Width: 640, Height: 480, Format: FormatBGRA8, Description: `C:\vivid\vivid-ml-engine.exe`, PartnerID: PartnerCPU}
	if err := in.Encode(b); err != nil {
		t.Fatal(err)
	}
	le := binary.LittleEndian
	for _, f := range []struct {
		off  int
		want uint32
	}{{0, 0xc0004242}, {4, 640}, {8, 480}, {12, 87}, {16, 0}, {276, 0x80000000}} {
		if got := le.Uint32(b[f.off:]); got != f.want {
			t.Errorf("u32 @%d = %#x, want %#x", f.off, got, f.want)
		}
	}
	if d := string(b[20:49]); d != `C:\vivid\vivid-ml-engine.exe`+"\x00" {
		t.Errorf("description %q", d)
	}
	if !bytes.Equal(b[49:276], make([]byte, 227)) {
		t.Error("description tail not zeroed")
	}
	got, err := DecodeInfo(b)
	if err != nil || got != in {
		t.Fatalf("decode %+v %v", got, err)
	}
	if _, err := DecodeInfo(b[:279]); !errors.Is(err, ErrBadLayout) {
		t.Fatalf("short info: %v", err)
	}
}

func TestNamesSortedSet(t *testing.T) {
	b := bytes.Repeat([]byte{'x'}, 4*NameLen)
	EncodeNames(b, []string{"b", "a", "B", "b"}, 4)
	if got := DecodeNames(b, 4); len(got) != 3 || got[0] != "B" || got[1] != "a" || got[2] != "b" {
		t.Fatalf("names %q, want [B a b] (std::set order)", got)
	}
	if b[3*NameLen] != 0 {
		t.Fatal("no empty slot after the last name")
	}
	EncodeNames(b, []string{"1", "2", "3", "4"}, 4) // full: no terminator slot
	if got := DecodeNames(b, 4); len(got) != 4 {
		t.Fatalf("full registry %q", got)
	}
	EncodeNames(b, nil, 4)
	if got := DecodeNames(b, 4); len(got) != 0 {
		t.Fatalf("empty registry %q", got)
	}
}

func TestCheckName(t *testing.T) {
	for _, tc := range []struct {
		name string
		ok   bool
	}{{"vivid", true}, {"vivid out 1", true}, {"", false}, {string(bytes.Repeat([]byte{'a'}, 255)), true},
		{string(bytes.Repeat([]byte{'a'}, 256)), false}, {"a\\b", false}, {"a\x00b", false}} {
		if err := CheckName(tc.name); (err == nil) != tc.ok {
			t.Errorf("CheckName(%.20q) = %v", tc.name, err)
		}
	}
}

func TestSwapRB(t *testing.T) {
	pix := []byte{1, 2, 3, 4, 5, 6, 7, 8, 99, 99, 9, 10, 11, 12, 13, 14, 15, 16, 99, 99} // 2x2, stride 10
	dst := make([]byte, 16)
	SwapRB(dst, pix, 2, 2, 10)
	if want := []byte{3, 2, 1, 4, 7, 6, 5, 8, 11, 10, 9, 12, 15, 14, 13, 16}; !bytes.Equal(dst, want) {
		t.Fatalf("got %v want %v", dst, want)
	}
}
