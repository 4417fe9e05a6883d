package torchrng

import (
	"math"
	"testing"
)

// FuzzRandn checks what must hold for any seed and length: values are finite and inside
// Box–Muller's range (radius ≤ √(−2·ln 2⁻²⁴) ≈ 5.77), the same seed repeats, a length-n
// draw shares its leading full blocks with a draw of just those blocks, and it consumes
// exactly the words torch consumes (n, plus 16 for a partial tail; 4 per value under 16).
func FuzzRandn(f *testing.F) {
	for _, s := range []struct {
		seed uint64
		n    uint16
	}{{0, 1}, {0, 15}, {42, 16}, {1, 17}, {7, 33}, {1 << 40, 256}, {3, 1000}} {
		f.Add(s.seed, s.n)
	}
	f.Fuzz(func(t *testing.T, seed uint64, n16 uint16) {
		n := int(n16 % 4097)
		a := make([]float32, n)
		New(seed).Randn(a)
		b := make([]float32, n)
		g := New(seed)
		g.Randn(b)
		for i := range a {
			if a[i] != b[i] {
				t.Fatalf("seed %d n %d: value %d differs between runs", seed, n, i)
			}
			if v := float64(a[i]); math.IsNaN(v) || math.Abs(v) > 5.78 {
				t.Fatalf("seed %d n %d: value %d = %v", seed, n, i, v)
			}
		}
		words := n
		switch {
		case n < 16:
			words = 4 * ((n + 1) / 2)
		case n%16 != 0:
			words = n + 16
		}
		ref := New(seed)
		for range words {
			ref.Uint32()
		}
		if x, y := g.Uint32(), ref.Uint32(); x != y || g.hasNext != (n < 16 && n%2 == 1) {
			t.Fatalf("seed %d n %d: generator state after the draw is off (next word %d, want %d; cached %v)", seed, n, x, y, g.hasNext)
		}
		if full := n / 16 * 16; n >= 16 {
			c := make([]float32, full)
			New(seed).Randn(c)
			keep := full
			if n%16 != 0 {
				keep = min(full, n-16)
			}
			for i := range keep {
				if a[i] != c[i] {
					t.Fatalf("seed %d n %d: value %d = %v, the %d-value draw has %v", seed, n, i, a[i], full, c[i])
				}
			}
		}
	})
}
