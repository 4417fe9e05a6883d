package sdconv

import "testing"

func BenchmarkTranspose(b *testing.B) {
	v := make([]float32, 1280*5120)
	f := transpose2(1280, 5120)
	b.SetBytes(int64(len(v) * 4))
	for b.Loop() {
		f(v)
	}
}

func TestTranspose2(t *testing.T) {
	for _, rc := range [][2]int64{{1, 1}, {3, 70}, {33, 65}, {64, 32}} {
		r, c := rc[0], rc[1]
		v := make([]float32, r*c)
		for i := range v {
			v[i] = float32(i)
		}
		o := transpose2(r, c)(v)
		for i := range r {
			for j := range c {
				if o[j*r+i] != v[i*c+j] {
					t.Fatalf("%dx%d: [%d,%d]", r, c, i, j)
				}
			}
		}
	}
}
