package diffusion

import (
	"fmt"
	"math"
)

// vaeEncoder binds an image → latent encoder. Optimum's vae_encoder outputs
// latent_parameters (mean then log-variance, 2×C channels): the pipeline samples it as
// diffusers' retrieve_latents(sample_mode="sample") does, or takes the mean (--rng
// engine). Older exports and TAESD output C-channel latent_sample.
type vaeEncoder struct {
	b      *binding
	params bool // latent_parameters: mean and log-variance
	ch     int  // latent channels
	factor int  // image pixels per latent pixel
}

func openVAEEncoder(file string, m Model, ch, factor int) (*vaeEncoder, error) {
	b, err := bind(file, m,
		[]role{{key: "sample", aliases: []string{"sample", "images", "image", "pixel_values"}}},
		[]role{{key: "latent", aliases: []string{"latent_parameters", "latent_sample", "latent", "latents", "latent_dist"}}})
	if err != nil {
		return nil, err
	}
	if e := b.ins[0].Elem; e != Float32 && e != Float16 {
		return nil, fmt.Errorf("%w: %s input %s is %s, want float32 or float16", ErrModelIO, file, b.ins[0].Name, e)
	}
	out := b.outs[b.out["latent"]]
	// Mean + log-variance by the declared channels (2×C), else by Optimum's name.
	v := &vaeEncoder{b: b, ch: ch, factor: factor}
	switch got := dimOf(out, 1); got {
	case 2 * ch:
		v.params = true
	case ch:
	case 0:
		v.params = out.Name == "latent_parameters"
	default:
		return nil, fmt.Errorf("%w: %s output %s has %d channels, want %d or %d (the UNet takes %d latent channels)",
			ErrModelIO, file, out.Name, got, ch, 2*ch, ch)
	}
	return v, nil
}

func (v *vaeEncoder) prepare(size int) error {
	S, L := int64(size), int64(size/v.factor)
	ch := int64(v.ch)
	if v.params {
		ch *= 2
	}
	return v.b.alloc(fmt.Sprint(size), func(io IO, isInput bool) []int64 {
		if isInput {
			return resolve(io.Shape, []int64{1, 3, S, S})
		}
		return resolve(io.Shape, []int64{1, ch, L, L})
	})
}

// mean copies the first C latent channels (the mean, or the model's own sample) into dst.
func (v *vaeEncoder) mean(dst []float32) { v.b.output("latent").Floats(0, dst) }

// sample writes mean + exp(0.5·clamp(logvar, −30, 20))·eps into dst, diffusers'
// DiagonalGaussianDistribution.sample in float32. Without a log-variance output the
// model's latents are used as they are.
func (v *vaeEncoder) sample(dst, eps, logvar []float32) {
	v.mean(dst)
	if !v.params {
		return
	}
	out := v.b.output("latent")
	out.Floats(len(dst), logvar)
	for i, lv := range logvar {
		lv = min(max(lv, -30), 20)
		std := float32(math.Exp(float64(0.5 * lv)))
		dst[i] += float32(std * eps[i]) // no FMA: torch multiplies, then adds
	}
}

// vaeDecoder binds a latent → image decoder.
type vaeDecoder struct {
	b      *binding
	ch     int
	factor int
}

func openVAEDecoder(file string, m Model, ch, factor int) (*vaeDecoder, error) {
	b, err := bind(file, m,
		[]role{{key: "latent", aliases: []string{"latent_sample", "latent", "latents", "z"}}},
		[]role{{key: "image", aliases: []string{"sample", "images", "image"}}})
	if err != nil {
		return nil, err
	}
	if e := b.ins[0].Elem; e != Float32 && e != Float16 {
		return nil, fmt.Errorf("%w: %s input %s is %s, want float32 or float16", ErrModelIO, file, b.ins[0].Name, e)
	}
	if got := dimOf(b.ins[0], 1); got != 0 && got != ch {
		return nil, fmt.Errorf("%w: %s input %s has %d channels, the UNet takes %d", ErrModelIO, file, b.ins[0].Name, got, ch)
	}
	return &vaeDecoder{b: b, ch: ch, factor: factor}, nil
}

func (v *vaeDecoder) prepare(size int) error {
	S, L := int64(size), int64(size/v.factor)
	return v.b.alloc(fmt.Sprint(size), func(io IO, isInput bool) []int64 {
		if isInput {
			return resolve(io.Shape, []int64{1, int64(v.ch), L, L})
		}
		return resolve(io.Shape, []int64{1, 3, S, S})
	})
}
