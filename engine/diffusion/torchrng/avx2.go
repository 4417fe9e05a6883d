package torchrng

import "math"

// torch's AVX2 build of normal_fill_16 (aten/src/ATen/native/cpu/DistributionTemplates.h,
// normal_fill_16_AVX2) computes the Box–Muller log, sine and cosine with the Cephes
// float32 polynomials of avx_mathfun.h (Pommier's sse_mathfun, ported to AVX), and
// θ = float32(2π)·u2 in float32. The functions below are that arithmetic for one lane,
// float32 step by step. fused mirrors the compiler contracting a multiply and the add
// that uses it into one FMA (GCC does for -mfma builds: the first multiply of an add).

// Cephes logf and sinf/cosf constants.
const (
	cephesSqrtHF = float32(0.707106781186547524)
	logP0        = float32(7.0376836292e-2)
	logP1        = float32(-1.1514610310e-1)
	logP2        = float32(1.1676998740e-1)
	logP3        = float32(-1.2420140846e-1)
	logP4        = float32(1.4249322787e-1)
	logP5        = float32(-1.6668057665e-1)
	logP6        = float32(2.0000714765e-1)
	logP7        = float32(-2.4999993993e-1)
	logP8        = float32(3.3333331174e-1)
	logQ1        = float32(-2.12194440e-4)
	logQ2        = float32(0.693359375)

	minusDP1   = float32(-0.78515625)
	minusDP2   = float32(-2.4187564849853515625e-4)
	minusDP3   = float32(-3.77489497744594108e-8)
	sinP0      = float32(-1.9515295891e-4)
	sinP1      = float32(8.3321608736e-3)
	sinP2      = float32(-1.6666654611e-1)
	cosP0      = float32(2.443315711809948e-005)
	cosP1      = float32(-1.388731625493765e-003)
	cosP2      = float32(4.166664568298827e-002)
	fourOverPi = float32(1.27323954473516)
	twoPi32    = float32(2 * math.Pi)
)

// madd is a·b + c in float32: one rounding when fused, two otherwise.
func madd(a, b, c float32, fused bool) float32 {
	if fused {
		return float32(math.FMA(float64(a), float64(b), float64(c)))
	}
	return float32(a*b) + c
}

// logCephes is log256_ps for one positive lane.
func logCephes(x float32, fused bool) float32 {
	x = max(x, math.Float32frombits(0x00800000)) // cut off denormals
	bits := math.Float32bits(x)
	e := float32(int32(bits>>23)-0x7f) + 1
	m := math.Float32frombits(bits&^0x7f800000 | math.Float32bits(0.5)) // mantissa in [0.5, 1)
	var tmp float32
	if m < cephesSqrtHF {
		tmp = m
		e--
	}
	x = (m - 1) + tmp
	z := x * x
	y := logP0
	for _, p := range [...]float32{logP1, logP2, logP3, logP4, logP5, logP6, logP7, logP8} {
		y = madd(y, x, p, fused)
	}
	y *= x
	y = madd(y, z, float32(e*logQ1), fused) // y·z + e·q1: the first multiply is the fused one
	y = madd(-z, 0.5, y, fused)             // y − z/2 (z/2 is exact either way)
	return madd(e, logQ2, x+y, fused)
}

// sincosCephes is sincos256_ps for one lane x ≥ 0.
func sincosCephes(x float32, fused bool) (sin, cos float32) {
	j := int32(x * fourOverPi)
	j = (j + 1) &^ 1
	y := float32(j)
	sinNeg := j&4 != 0
	cosNeg := ^(j-2)&4 != 0
	poly := j&2 == 0 // true: the sine polynomial gives the sine
	x = madd(y, minusDP1, x, fused)
	x = madd(y, minusDP2, x, fused)
	x = madd(y, minusDP3, x, fused)
	z := x * x

	c := madd(cosP0, z, cosP1, fused)
	c = madd(c, z, cosP2, fused)
	c *= z
	c = madd(c, z, -float32(z*0.5), fused) // c·z − z/2: the multiply of c is the fused one
	c++

	s := madd(sinP0, z, sinP1, fused)
	s = madd(s, z, sinP2, fused)
	s *= z
	s = madd(s, x, x, fused)

	if poly {
		sin, cos = s, c
	} else {
		sin, cos = c, s
	}
	if sinNeg {
		sin = -sin
	}
	if cosNeg {
		cos = -cos
	}
	return sin, cos
}

// boxMuller16AVX2 is normal_fill_16_AVX2 (mean 0, std 1).
func boxMuller16AVX2(d []float32, fused bool) {
	for j := range 8 {
		u1 := 1 - d[j]
		u2 := d[j+8]
		radius := float32(math.Sqrt(float64(-2 * logCephes(u1, fused))))
		s, c := sincosCephes(twoPi32*u2, fused)
		d[j] = radius * c
		d[j+8] = radius * s
	}
}
