package diffusion

import "fmt"

// vaeEncoder binds an image → latent encoder. Optimum's vae_encoder outputs
// latent_parameters (mean then log-variance, 8 channels; the pipeline takes the mean,
// as diffusers' retrieve_latents(sample_mode="argmax")); older exports and TAESD output
// 4-channel latent_sample.
type vaeEncoder struct {
	b *binding
}

func openVAEEncoder(file string, m Model) (*vaeEncoder, error) {
	b, err := bind(file, m,
		[]role{{key: "sample", aliases: []string{"sample", "images", "image", "pixel_values"}}},
		[]role{{key: "latent", aliases: []string{"latent_parameters", "latent_sample", "latent", "latents", "latent_dist"}}})
	if err != nil {
		return nil, err
	}
	if e := b.ins[0].Elem; e != Float32 && e != Float16 {
		return nil, fmt.Errorf("%w: %s input %s is %s, want float32 or float16", ErrModelIO, file, b.ins[0].Name, e)
	}
	return &vaeEncoder{b: b}, nil
}

func (v *vaeEncoder) prepare(size int) error {
	S, L := int64(size), int64(size/8)
	name := v.b.outs[v.b.out["latent"]].Name
	ch := int64(LatentCh)
	if name == "latent_parameters" {
		ch = 2 * LatentCh
	}
	return v.b.alloc(fmt.Sprint(size), func(io IO, isInput bool) []int64 {
		if isInput {
			return resolve(io.Shape, []int64{1, 3, S, S})
		}
		return resolve(io.Shape, []int64{1, ch, L, L})
	})
}

// mean copies the first 4 latent channels (the mean) into dst ([4,h,w]).
func (v *vaeEncoder) mean(dst []float32) { v.b.output("latent").Floats(0, dst) }

// vaeDecoder binds a latent → image decoder.
type vaeDecoder struct {
	b *binding
}

func openVAEDecoder(file string, m Model) (*vaeDecoder, error) {
	b, err := bind(file, m,
		[]role{{key: "latent", aliases: []string{"latent_sample", "latent", "latents", "z"}}},
		[]role{{key: "image", aliases: []string{"sample", "images", "image"}}})
	if err != nil {
		return nil, err
	}
	if e := b.ins[0].Elem; e != Float32 && e != Float16 {
		return nil, fmt.Errorf("%w: %s input %s is %s, want float32 or float16", ErrModelIO, file, b.ins[0].Name, e)
	}
	return &vaeDecoder{b: b}, nil
}

func (v *vaeDecoder) prepare(size int) error {
	S, L := int64(size), int64(size/8)
	return v.b.alloc(fmt.Sprint(size), func(io IO, isInput bool) []int64 {
		if isInput {
			return resolve(io.Shape, []int64{1, LatentCh, L, L})
		}
		return resolve(io.Shape, []int64{1, 3, S, S})
	})
}
