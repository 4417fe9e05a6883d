package convert

import (
	"math"
	"testing"
)

func TestFloat16Table(t *testing.T) {
	tests := []struct {
		in   float32
		want uint16
	}{
		{0, 0}, {float32(math.Copysign(0, -1)), 0x8000}, {1, 0x3c00}, {-2, 0xc000}, {65504, 0x7bff},
		{65520, 0x7c00}, // halfway to the next (nonexistent) value rounds to infinity
		{65519, 0x7bff}, {1e6, 0x7c00}, {float32(math.Inf(-1)), 0xfc00},
		{5.960464477539063e-08, 0x0001},   // smallest subnormal
		{2.98023223876953125e-08, 0x0000}, // half of it: ties to even → 0
		{4.4703483581542969e-08, 0x0001},  // 0.75 of it
		{6.097555160522461e-05, 0x03ff},   // largest subnormal
		{6.103515625e-05, 0x0400},         // smallest normal
		{1 + 1.0/2048, 0x3c00},            // tie → even (down)
		{1 + 3.0/2048, 0x3c02},            // tie → even (up)
		{0.1, 0x2e66},
	}
	for _, tt := range tests {
		if got := Float16(tt.in); got != tt.want {
			t.Errorf("Float16(%v) = %#04x, want %#04x", tt.in, got, tt.want)
		}
	}
	if got := Float16(float32(math.NaN())); got&0x7c00 != 0x7c00 || got&0x3ff == 0 {
		t.Errorf("Float16(NaN) = %#04x, not a NaN", got)
	}
}

// TestFloat16Exhaustive checks every finite half: it converts back exactly, and the
// float32 midpoint to its successor rounds to the even one of the two.
func TestFloat16Exhaustive(t *testing.T) {
	for h := range uint32(0x7c00) {
		for _, sign := range []uint16{0, 0x8000} {
			v := uint16(h) | sign
			f := Float32From16(v)
			if got := Float16(f); got != v {
				t.Fatalf("Float16(Float32From16(%#04x) = %v) = %#04x", v, f, got)
			}
			if h == 0x7bff {
				continue
			}
			next := Float32From16(v + 1)
			mid := float32((float64(f) + float64(next)) / 2)
			want := v
			if v&1 == 1 {
				want = v + 1
			}
			if got := Float16(mid); got != want {
				t.Fatalf("Float16(mid(%#04x, %#04x) = %v) = %#04x, want %#04x", v, v+1, mid, got, want)
			}
		}
	}
}

func FuzzFloat16(f *testing.F) {
	f.Add(uint32(0x3f800000))
	f.Add(uint32(0x33800000))
	f.Add(uint32(0x7f800001))
	f.Fuzz(func(t *testing.T, bits uint32) {
		x := math.Float32frombits(bits)
		h := Float16(x)
		back := Float32From16(h)
		if x != x {
			if back == back {
				t.Fatalf("NaN %#08x became %v", bits, back)
			}
			return
		}
		// The result is the nearest half: no other half is closer.
		if h&0x7c00 == 0x7c00 {
			if math.Abs(float64(x)) < 65520 {
				t.Fatalf("%v overflowed to %#04x", x, h)
			}
			return
		}
		d := math.Abs(float64(back) - float64(x))
		for _, n := range []uint16{h - 1, h + 1} {
			if n&0x7fff >= 0x7c00 || (h&0x7fff == 0 && n&0x7fff != 1) {
				continue
			}
			if dn := math.Abs(float64(Float32From16(n)) - float64(x)); dn < d {
				t.Fatalf("Float16(%v) = %#04x (%v), but %#04x (%v) is closer", x, h, back, n, Float32From16(n))
			}
		}
	})
}
