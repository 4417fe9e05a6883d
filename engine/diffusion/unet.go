package diffusion

import (
	"fmt"
	"math"

	"github.com/vivid-ml/vivid-ml-engine/engine/convert"
)

// Conditioning sizes of SDXL's UNet.
const (
	ContextDim = 2048 // 768 (CLIP-L) + 1280 (OpenCLIP-G) penultimate hidden states
	PooledDim  = 1280 // text_encoder_2's projected pooled output
	LatentCh   = 4
)

// unet binds SDXL's UNet: sample, timestep, encoder_hidden_states, text_embeds, time_ids → noise prediction.
type unet struct {
	b *binding
}

func openUNet(file string, m Model) (*unet, error) {
	b, err := bind(file, m, []role{
		{key: "sample", aliases: []string{"sample", "latent_model_input", "latents"}},
		{key: "timestep", aliases: []string{"timestep", "timesteps", "t"}},
		{key: "encoder_hidden_states", aliases: []string{"encoder_hidden_states", "hidden_states"}},
		{key: "text_embeds", aliases: []string{"text_embeds"}},
		{key: "time_ids", aliases: []string{"time_ids"}},
	}, []role{{key: "out", aliases: []string{"out_sample", "latent", "noise_pred", "sample_out"}}})
	if err != nil {
		return nil, err
	}
	for _, k := range []string{"sample", "encoder_hidden_states", "text_embeds", "time_ids"} {
		if e := b.ins[b.in[k]].Elem; e != Float32 && e != Float16 {
			return nil, fmt.Errorf("%w: %s input %s is %s, want float32 or float16", ErrModelIO, file, b.ins[b.in[k]].Name, e)
		}
	}
	if e := b.ins[b.in["timestep"]].Elem; e != Float32 && e != Float16 && e != Int64 {
		return nil, fmt.Errorf("%w: %s input %s is %s, want float32, float16 or int64", ErrModelIO, file, b.ins[b.in["timestep"]].Name, e)
	}
	return &unet{b: b}, nil
}

// prepare allocates the tensors for batch × latent h × w.
func (u *unet) prepare(batch, h, w int) error {
	B, H, W := int64(batch), int64(h), int64(w)
	tsIdx := u.b.in["timestep"]
	return u.b.alloc(fmt.Sprint(batch, h, w), func(io IO, isInput bool) []int64 {
		if !isInput {
			return resolve(io.Shape, []int64{B, LatentCh, H, W})
		}
		switch io.Name {
		case u.b.ins[tsIdx].Name:
			if len(io.Shape) == 0 {
				return []int64{1}
			}
			return resolve(io.Shape, []int64{B})
		case u.b.ins[u.b.in["sample"]].Name:
			return resolve(io.Shape, []int64{B, LatentCh, H, W})
		case u.b.ins[u.b.in["encoder_hidden_states"]].Name:
			return resolve(io.Shape, []int64{B, SeqLen, ContextDim})
		case u.b.ins[u.b.in["text_embeds"]].Name:
			return resolve(io.Shape, []int64{B, PooledDim})
		}
		return resolve(io.Shape, []int64{B, 6})
	})
}

// setConditioning fills encoder_hidden_states, text_embeds and time_ids for batch
// entry i; they stay valid for every step of a frame.
func (u *unet) setConditioning(i int, ctx, pooled []float32, timeIDs [6]float32) {
	u.b.input("encoder_hidden_states").SetFloats(i*SeqLen*ContextDim, ctx)
	u.b.input("text_embeds").SetFloats(i*PooledDim, pooled)
	u.b.input("time_ids").SetFloats(i*6, timeIDs[:])
}

// setTimestep writes t into every element of the timestep input.
func (u *unet) setTimestep(t float64) {
	ts := u.b.input("timestep")
	for i := range ts.Len() {
		switch ts.Elem {
		case Float32:
			ts.F32[i] = float32(t)
		case Float16:
			ts.F16[i] = convert.Float16(float32(t))
		case Int64:
			ts.I64[i] = int64(math.Round(t))
		}
	}
}

func (u *unet) sample() *Tensor { return u.b.input("sample") }
func (u *unet) out() *Tensor    { return u.b.output("out") }
