package diffusion

import (
	"fmt"
	"math"
	"slices"

	"github.com/vivid-ml/vivid-ml-engine/engine/convert"
)

// unet binds the UNet: sample, timestep, encoder_hidden_states and, for SDXL,
// text_embeds and time_ids → noise prediction. Its sizes come from the declared shapes
// (unet/config.json where a dimension is dynamic).
type unet struct {
	b      *binding
	family Family
	ch     int // latent channels
	ctx    int // context width
	pooled int // text_embeds width (SDXL)
	tids   int // time_ids length (SDXL)
}

func openUNet(file string, m Model, cfg *unetConfig) (*unet, error) {
	roles := []role{
		{key: "sample", aliases: []string{"sample", "latent_model_input", "latents"}},
		{key: "timestep", aliases: []string{"timestep", "timesteps", "t"}},
		{key: "encoder_hidden_states", aliases: []string{"encoder_hidden_states", "hidden_states"}},
	}
	family := SD
	if slices.ContainsFunc(m.Inputs(), func(io IO) bool { return io.Name == "text_embeds" || io.Name == "time_ids" }) {
		family = SDXL
		roles = append(roles, role{key: "text_embeds", aliases: []string{"text_embeds"}}, role{key: "time_ids", aliases: []string{"time_ids"}})
	}
	b, err := bind(file, m, roles, []role{{key: "out", aliases: []string{"out_sample", "latent", "noise_pred", "sample_out"}}})
	if err != nil {
		return nil, err
	}
	for _, r := range roles {
		in := b.ins[b.in[r.key]]
		switch {
		case r.key == "timestep":
			if in.Elem != Float32 && in.Elem != Float16 && in.Elem != Int64 {
				return nil, fmt.Errorf("%w: %s input %s is %s, want float32, float16 or int64", ErrModelIO, file, in.Name, in.Elem)
			}
		case in.Elem != Float32 && in.Elem != Float16:
			return nil, fmt.Errorf("%w: %s input %s is %s, want float32 or float16", ErrModelIO, file, in.Name, in.Elem)
		}
	}
	u := &unet{b: b, family: family}
	if cfg == nil {
		cfg = &unetConfig{}
	}
	u.ch = firstPositive(dimOf(b.ins[b.in["sample"]], 1), cfg.InChannels, LatentCh)
	ehs := b.ins[b.in["encoder_hidden_states"]]
	if len(ehs.Shape) != 3 {
		return nil, fmt.Errorf("%w: %s input %s has shape %v, want [batch,77,width]", ErrModelIO, file, ehs.Name, ehs.Shape)
	}
	if u.ctx = firstPositive(dimOf(ehs, 2), cfg.crossDim()); u.ctx == 0 {
		return nil, fmt.Errorf("%w: %s input %s has a dynamic width and unet/config.json no cross_attention_dim", ErrModelIO, file, ehs.Name)
	}
	if family == SDXL {
		u.tids = firstPositive(dimOf(b.ins[b.in["time_ids"]], 1), TimeIDsLen)
		if u.tids != TimeIDsLen {
			return nil, fmt.Errorf("%w: %s input time_ids has %d values, want %d (original size, crop, target size; "+
				"aesthetic-score refiners are not supported)", ErrModelIO, file, u.tids, TimeIDsLen)
		}
		fromCfg := 0
		if cfg.ProjectionDim > 0 && cfg.AddTimeEmbedDim > 0 {
			fromCfg = cfg.ProjectionDim - u.tids*cfg.AddTimeEmbedDim
		}
		if u.pooled = firstPositive(dimOf(b.ins[b.in["text_embeds"]], 1), fromCfg); u.pooled == 0 {
			return nil, fmt.Errorf("%w: %s input text_embeds has a dynamic width and unet/config.json does not give it", ErrModelIO, file)
		}
	}
	return u, nil
}

func firstPositive(v ...int) int {
	for _, x := range v {
		if x > 0 {
			return x
		}
	}
	return 0
}

// prepare allocates the tensors for batch × latent h × w.
func (u *unet) prepare(batch, h, w int) error {
	B, H, W, C := int64(batch), int64(h), int64(w), int64(u.ch)
	return u.b.alloc(fmt.Sprint(batch, h, w), func(io IO, isInput bool) []int64 {
		if !isInput {
			return resolve(io.Shape, []int64{B, C, H, W})
		}
		switch io.Name {
		case u.b.ins[u.b.in["timestep"]].Name:
			if len(io.Shape) == 0 {
				return []int64{1}
			}
			return resolve(io.Shape, []int64{B})
		case u.b.ins[u.b.in["sample"]].Name:
			return resolve(io.Shape, []int64{B, C, H, W})
		case u.b.ins[u.b.in["encoder_hidden_states"]].Name:
			return resolve(io.Shape, []int64{B, SeqLen, int64(u.ctx)})
		case "text_embeds":
			return resolve(io.Shape, []int64{B, int64(u.pooled)})
		}
		return resolve(io.Shape, []int64{B, int64(u.tids)})
	})
}

// setConditioning fills encoder_hidden_states and, for SDXL, text_embeds and time_ids
// for batch entry i; they stay valid for every step of a frame.
func (u *unet) setConditioning(i int, ctx, pooled, timeIDs []float32) {
	u.b.input("encoder_hidden_states").SetFloats(i*SeqLen*u.ctx, ctx)
	if u.family == SDXL {
		u.b.input("text_embeds").SetFloats(i*u.pooled, pooled)
		u.b.input("time_ids").SetFloats(i*u.tids, timeIDs)
	}
}

// setTimestep writes t into every element of the timestep input.
func (u *unet) setTimestep(t float64) { setTimestep(u.b.input("timestep"), t) }

// setTimestep writes t into every element of ts, in its element type.
func setTimestep(ts *Tensor, t float64) {
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
