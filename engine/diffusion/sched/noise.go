package sched

import (
	"math"
	"math/rand/v2"
)

// Gaussian is a seedable standard-normal generator: PCG-DXSM (math/rand/v2) feeding the
// Box-Muller transform. The same seed gives the same numbers on every platform and Go
// version; it cannot reproduce torch.randn (a different generator and transform).
type Gaussian struct {
	src   *rand.PCG
	spare float64
	has   bool
}

// NewGaussian returns a generator seeded with seed.
func NewGaussian(seed uint64) *Gaussian {
	return &Gaussian{src: rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)}
}

// uniform returns a float64 in (0, 1): 53 random bits, never 0 (log(0) is avoided).
func (g *Gaussian) uniform() float64 {
	return (float64(g.src.Uint64()>>11) + 0.5) / (1 << 53)
}

// Norm returns one standard-normal sample.
func (g *Gaussian) Norm() float64 {
	if g.has {
		g.has = false
		return g.spare
	}
	u1, u2 := g.uniform(), g.uniform()
	r := math.Sqrt(-2 * math.Log(u1))
	s, c := math.Sincos(2 * math.Pi * u2)
	g.spare, g.has = r*s, true
	return r * c
}

// Fill writes len(dst) standard-normal samples.
func (g *Gaussian) Fill(dst []float32) {
	for i := range dst {
		dst[i] = float32(g.Norm())
	}
}
