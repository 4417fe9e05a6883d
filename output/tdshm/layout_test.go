package tdshm

import (
	"encoding/hex"
	"errors"
	"runtime"
	"testing"
)

func TestTopHeaderBytes(t *testing.T) {
	b := make([]byte, TopHeaderSize)
	for i := range b {
		b[i] = 0xee // padding must be zeroed
	}
	NewTopHeader(2, 3).Encode(b)
	want := "35f85ed9" + "01000000" + "02000000" + "03000000" + "00000040" + "00004040" + "25000000" + "00000000" +
		"1800000000000000" + "40000000" + "00000000" + "00000000" + "00000000"
	if got := hex.EncodeToString(b); got != want {
		t.Fatalf("header\n got %s\nwant %s", got, want)
	}
	h, err := DecodeTopHeader(b, DataOffset+24)
	if err != nil || h != NewTopHeader(2, 3) {
		t.Fatalf("decode %+v %v", h, err)
	}
}

func TestDecodeTopHeaderErrors(t *testing.T) {
	tests := []struct {
		name string
		h    TopHeader
		size int
		want string
	}{
		{"magic", TopHeader{Magic: 1}, 100, "tdshm: bad header: magic 0x1"},
		{"size", TopHeader{Magic: TopMagic, Width: 0, Height: 1}, 100, "tdshm: bad header: size 0x1"},
		{"offset", TopHeader{Magic: TopMagic, Width: 1, Height: 1, DataSize: 4, DataOffset: 8}, 100,
			"tdshm: bad header: data 4 bytes at 8 in a 100-byte segment"},
		{"short segment", NewTopHeader(4, 4), 100, "tdshm: bad header: data 64 bytes at 64 in a 100-byte segment"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := make([]byte, TopHeaderSize)
			tt.h.Encode(b)
			_, err := DecodeTopHeader(b, tt.size)
			if err == nil || err.Error() != tt.want || !errors.Is(err, ErrBadHeader) {
				t.Fatalf("err %v want %q", err, tt.want)
			}
		})
	}
}

func TestInfoBytes(t *testing.T) {
	b := make([]byte, InfoSize)
	in := Info{Magic: InfoMagic, Version: InfoVersion, Supported: true, Postfix: "2", Detach: true}
	if err := in.Encode(b); err != nil {
		t.Fatal(err)
	}
	if hex.EncodeToString(b[:14]) != "ba34ed56"+"02000000"+"01"+"00"+"3200"+"0000" || b[74] != 1 || b[75] != 0 {
		t.Fatalf("info bytes %x", b)
	}
	got, err := DecodeInfo(b)
	if err != nil || got != in {
		t.Fatalf("decode %+v %v", got, err)
	}
	if err := (Info{Postfix: "0123456789012345678901234567890123"}).Encode(b); !errors.Is(err, ErrBadName) {
		t.Fatalf("long postfix: %v", err)
	}
}

func TestNames(t *testing.T) {
	got := []string{SegmentName("vivid", ""), SegmentName("vivid", "1"), MutexName("vivid"), InfoName("vivid"), InfoMutexName("vivid")}
	want := []string{"TouchSHMvivid", "TouchSHMvivid1", "TouchSHMvividMutex", "TouchSHMTouchSHMvivid4jhd783h", "TouchSHMTouchSHMvivid4jhd783hMutex"}
	for i := range got {
		if got[i] != want[i] {
			t.Errorf("%d: %s want %s", i, got[i], want[i])
		}
	}
	for _, n := range []string{"", "a b", "a/b", "ü"} {
		if err := CheckName(n); !errors.Is(err, ErrBadName) {
			t.Errorf("%q: %v", n, err)
		}
	}
}

func TestCopyFlipped(t *testing.T) {
	pix := []byte{1, 1, 1, 1, 0, 0, 2, 2, 2, 2, 0, 0} // 1×2, stride 6
	dst := make([]byte, 8)
	CopyFlipped(dst, pix, 1, 2, 6)
	if hex.EncodeToString(dst) != "0202020201010101" {
		t.Fatalf("%x", dst)
	}
}

func TestNotWindows(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("windows")
	}
	if _, err := NewWriter(Config{Name: "x"}); !errors.Is(err, ErrWindowsOnly) {
		t.Fatalf("err %v", err)
	}
}

func FuzzDecode(f *testing.F) {
	b := make([]byte, TopHeaderSize)
	NewTopHeader(8, 8).Encode(b)
	f.Add(b, 1000)
	info := make([]byte, InfoSize)
	Info{Magic: InfoMagic, Version: 2, Postfix: "1"}.Encode(info)
	f.Add(info, 0)
	f.Fuzz(func(t *testing.T, b []byte, size int) {
		if h, err := DecodeTopHeader(b, size); err == nil && int64(h.DataOffset)+h.DataSize > int64(size) {
			t.Fatalf("accepted %+v for %d", h, size)
		}
		if in, err := DecodeInfo(b); err == nil {
			out := make([]byte, InfoSize)
			if in.Encode(out) != nil {
				return
			}
			if again, err := DecodeInfo(out); err != nil || again != in {
				t.Fatalf("round trip %+v -> %+v %v", in, again, err)
			}
		}
	})
}
