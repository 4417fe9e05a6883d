// Package torchrng reproduces torch's CPU random generator in Go:
// torch.Generator("cpu").manual_seed(s) followed by torch.randn(shape, dtype=torch.float32)
// calls, so a seed typed into the engine draws the same noise as diffusers and ComfyUI.
//
// It follows aten/src/ATen/native/cpu/DistributionTemplates.h (normal_fill, normal_fill_16,
// normal_kernel), aten/src/ATen/core/DistributionsHelper.h (normal_distribution<double>,
// uniform_real_distribution), TransformationHelper.h (uniform_real) and CPUGeneratorImpl
// (random, random64, the cached double normal) in the public pytorch source.
//
// The float Box–Muller math follows the kernel torch runs on x86-64 (its AVX2 build,
// KernelAVX2FMA) operation by operation: equal to torch bit for bit. KernelScalar is the
// scalar build (float64 math rounded to float32, about one ulp from glibc's logf/cosf/sinf).
package torchrng

import "math"

// Kernel is a build of torch's float Box–Muller kernel: torch picks one by CPU at run time.
type Kernel int

// Kernels of normal_fill_16.
const (
	// KernelAVX2FMA (the default) is torch's AVX2 build as shipped: avx_mathfun.h's
	// Cephes polynomials with multiply-adds contracted to FMAs. x86-64 CPUs with AVX2
	// run it (AVX-512 CPUs too: the kernel has no AVX-512 build). Equal bit for bit to
	// torch 2.11 on 218,658 golden values.
	KernelAVX2FMA Kernel = iota
	// KernelAVX2 is the same polynomials without FMA contraction (within 2.4e-7).
	KernelAVX2
	// KernelScalar is the scalar build (std::log, std::cos, std::sin in float32), which
	// torch runs on CPUs without AVX2 and on arm64; within 2.1e-6 of the AVX2 build.
	KernelScalar
)

// Generator is one torch CPU generator. The zero value is not usable: call New.
type Generator struct {
	// Kernel is which of torch's CPU builds of normal_fill_16 to follow.
	Kernel Kernel

	mt         mt19937
	nextNormal float64 // cached second Box–Muller value of the scalar (double) path
	hasNext    bool
	seed       uint64
}

// New returns a generator seeded as torch.Generator("cpu").manual_seed(seed).
func New(seed uint64) *Generator {
	g := &Generator{}
	g.Seed(seed)
	return g
}

// Seed resets g as manual_seed does: the Mersenne Twister is seeded with the low 32 bits
// of seed and the cached normal is dropped.
func (g *Generator) Seed(seed uint64) {
	g.mt.seed(uint32(seed))
	g.hasNext, g.nextNormal, g.seed = false, 0, seed
}

// InitialSeed is the seed last given to New or Seed (torch's initial_seed()).
func (g *Generator) InitialSeed() uint64 { return g.seed }

// Uint32 is torch's random(): one 32-bit draw.
func (g *Generator) Uint32() uint32 { return g.mt.next() }

// Uint64 is torch's random64(): two draws, the first one high.
func (g *Generator) Uint64() uint64 {
	hi := uint64(g.mt.next())
	return hi<<32 | uint64(g.mt.next())
}

// uniformFloat is uniform_real_distribution<float>(0, 1): 24 bits of one draw.
func (g *Generator) uniformFloat() float32 {
	return float32(g.mt.next()&(1<<24-1)) * (1.0 / (1 << 24))
}

// uniformDouble is uniform_real_distribution<double>(0, 1): 53 bits of random64().
func (g *Generator) uniformDouble() float64 {
	return float64(g.Uint64()&(1<<53-1)) * (1.0 / (1 << 53))
}

// normalDouble is normal_distribution<double>(0, 1): Box–Muller on two doubles, the sine
// half cached in the generator for the next call.
func (g *Generator) normalDouble() float64 {
	if g.hasNext {
		g.hasNext = false
		return g.nextNormal
	}
	u1 := g.uniformDouble()
	u2 := g.uniformDouble()
	r := math.Sqrt(-2 * math.Log1p(-u2))
	theta := 2 * math.Pi * u1
	s, c := math.Sincos(theta)
	g.nextNormal, g.hasNext = r*s, true
	return r * c
}

// Randn fills dst as one torch.randn(len(dst), dtype=torch.float32, generator=g) call
// (any shape with that many elements: the tensor is contiguous).
func (g *Generator) Randn(dst []float32) {
	n := len(dst)
	if n < 16 {
		for i := range dst {
			dst[i] = float32(g.normalDouble())
		}
		return
	}
	for i := range dst {
		dst[i] = g.uniformFloat()
	}
	for i := 0; i+16 <= n; i += 16 {
		g.boxMuller16(dst[i : i+16])
	}
	if n%16 != 0 {
		tail := dst[n-16:]
		for i := range tail {
			tail[i] = g.uniformFloat()
		}
		g.boxMuller16(tail)
	}
}

func (g *Generator) boxMuller16(d []float32) {
	switch g.Kernel {
	case KernelAVX2:
		boxMuller16AVX2(d, false)
	case KernelScalar:
		boxMuller16(d)
	default:
		boxMuller16AVX2(d, true)
	}
}

// Fill is Randn; it makes a Generator a sched.Noise, one torch.randn call per Fill.
func (g *Generator) Fill(dst []float32) { g.Randn(dst) }

// boxMuller16 is the scalar normal_fill_16 for float: u1 = 1 − d[j], u2 = d[j+8]; d[j] gets the
// cosine and d[j+8] the sine of the same pair.
func boxMuller16(d []float32) {
	for j := range 8 {
		u1 := 1 - d[j]
		u2 := d[j+8]
		lg := float32(math.Log(float64(u1)))
		radius := float32(math.Sqrt(float64(-2 * lg)))
		theta := float32(2 * math.Pi * float64(u2)) // 2.0f * pi<double> * u2, in double
		s, c := math.Sincos(float64(theta))
		d[j] = radius * float32(c)
		d[j+8] = radius * float32(s)
	}
}
