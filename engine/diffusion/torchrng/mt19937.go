package torchrng

// mt19937 is the 32-bit Mersenne Twister (Matsumoto & Nishimura 1998) with the 2002
// init_genrand seeding, the engine behind torch's CPU generator
// (aten/src/ATen/core/MT19937RNGEngine.h).
type mt19937 struct {
	state [mtN]uint32
	i     int
}

const (
	mtN       = 624
	mtM       = 397
	mtMatrixA = 0x9908b0df
	mtUpper   = 0x80000000
	mtLower   = 0x7fffffff
)

// seed initialises the state from the low 32 bits of s, as torch's manual_seed does.
func (t *mt19937) seed(s uint32) {
	t.state[0] = s
	for i := 1; i < mtN; i++ {
		p := t.state[i-1]
		t.state[i] = 1812433253*(p^(p>>30)) + uint32(i)
	}
	t.i = mtN
}

// regenerate computes the next 624 words of state.
func (t *mt19937) regenerate() {
	for k := range mtN {
		y := t.state[k]&mtUpper | t.state[(k+1)%mtN]&mtLower
		v := y >> 1
		if y&1 != 0 {
			v ^= mtMatrixA
		}
		t.state[k] = t.state[(k+mtM)%mtN] ^ v
	}
	t.i = 0
}

// next returns the next tempered 32-bit output.
func (t *mt19937) next() uint32 {
	if t.i >= mtN {
		t.regenerate()
	}
	y := t.state[t.i]
	t.i++
	y ^= y >> 11
	y ^= y << 7 & 0x9d2c5680
	y ^= y << 15 & 0xefc60000
	y ^= y >> 18
	return y
}
