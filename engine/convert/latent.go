package convert

// AddScaled sets dst[i] = a·x[i] + b·y[i], the one latent op of the diffusion
// loop: noising (a=1, b=σ, y=noise), the Euler step (a=1, b=σ_next−σ, y=ε) and
// mixing. dst may alias x or y. Each product is rounded before the sum.
func AddScaled(dst []float32, a float32, x []float32, b float32, y []float32) error {
	if err := checkLen("add scaled x", len(x), len(dst)); err != nil {
		return err
	}
	if err := checkLen("add scaled y", len(y), len(dst)); err != nil {
		return err
	}
	for i := range dst {
		dst[i] = float32(a*x[i]) + float32(b*y[i])
	}
	return nil
}

// Scale sets dst[i] = s·x[i]: the VAE latent scaling (0.13025 for SDXL) and
// Euler's scale_model_input 1/√(σ²+1). dst may alias x.
func Scale(dst []float32, s float32, x []float32) error {
	if err := checkLen("scale x", len(x), len(dst)); err != nil {
		return err
	}
	for i := range dst {
		dst[i] = s * x[i]
	}
	return nil
}
