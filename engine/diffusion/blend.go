package diffusion

import "math"

// Lerp writes (1−t)·a + t·b into dst.
func Lerp(dst, a, b []float32, t float64) {
	tf := float32(t)
	for i := range dst {
		dst[i] = a[i] + tf*(b[i]-a[i])
	}
}

// Slerp writes the spherical interpolation of a and b (as whole vectors) into dst, the
// usual way to blend Gaussian noises or embeddings without shrinking their norm. Nearly
// parallel vectors fall back to Lerp.
func Slerp(dst, a, b []float32, t float64) {
	var dot, na, nb float64
	for i := range a {
		dot += float64(a[i]) * float64(b[i])
		na += float64(a[i]) * float64(a[i])
		nb += float64(b[i]) * float64(b[i])
	}
	if na == 0 || nb == 0 {
		Lerp(dst, a, b, t)
		return
	}
	c := dot / math.Sqrt(na*nb)
	if math.Abs(c) > 0.9995 {
		Lerp(dst, a, b, t)
		return
	}
	theta := math.Acos(c)
	s := math.Sin(theta)
	wa := float32(math.Sin((1-t)*theta) / s)
	wb := float32(math.Sin(t*theta) / s)
	for i := range dst {
		dst[i] = wa*a[i] + wb*b[i]
	}
}

// Embedding is one prompt's conditioning for SDXL's UNet at batch 1.
type Embedding struct {
	Context []float32 // [77, 2048]: both encoders' penultimate hidden states side by side
	Pooled  []float32 // [1280]: text_encoder_2's projected pooled output
}

// BlendEmbeddings returns a's and b's embeddings blended by t; slerp selects
// spherical interpolation (per tensor), otherwise linear.
func BlendEmbeddings(a, b *Embedding, t float64, slerp bool) *Embedding {
	switch {
	case t <= 0:
		return a
	case t >= 1:
		return b
	}
	out := &Embedding{Context: make([]float32, len(a.Context)), Pooled: make([]float32, len(a.Pooled))}
	f := Lerp
	if slerp {
		f = Slerp
	}
	f(out.Context, a.Context, b.Context, t)
	f(out.Pooled, a.Pooled, b.Pooled, t)
	return out
}
