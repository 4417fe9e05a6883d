package onnx

import (
	"math"
	"testing"
)

func TestFloat16RoundTrip(t *testing.T) {
	// Every finite half converts to float32 and back unchanged.
	for i := 0; i < 1<<16; i++ {
		h := Float16(i)
		f := h.Float32()
		if math.IsNaN(float64(f)) {
			if back := Float16From(f); back&0x7c00 != 0x7c00 || back&0x3ff == 0 {
				t.Fatalf("NaN %#04x came back as %#04x", i, back)
			}
			continue
		}
		if back := Float16From(f); back != h {
			t.Fatalf("%#04x -> %v -> %#04x", i, f, back)
		}
	}
}

func TestFloat16From(t *testing.T) {
	tests := []struct {
		name string
		in   float32
		want Float16
	}{
		{"one", 1, 0x3c00},
		{"minus two", -2, 0xc000},
		{"max half", 65504, 0x7bff},
		{"overflow", 70000, 0x7c00},
		{"rounds to inf", 65520, 0x7c00},
		{"smallest subnormal", 5.960464477539063e-08, 0x0001},
		{"underflow", 1e-9, 0x0000},
		{"tie to even down", 1 + 1.0/2048, 0x3c00},
		{"tie to even up", 1 + 3.0/2048, 0x3c02},
		{"third", 1.0 / 3, 0x3555},
		{"inf", float32(math.Inf(-1)), 0xfc00},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Float16From(tt.in); got != tt.want {
				t.Fatalf("Float16From(%v) = %#04x, want %#04x", tt.in, got, tt.want)
			}
		})
	}
}
