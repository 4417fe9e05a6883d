package diffusion

import (
	"errors"
	"fmt"
	"image"
	"time"

	"github.com/vivid-ml/vivid-ml-engine/engine/convert"
	"github.com/vivid-ml/vivid-ml-engine/engine/diffusion/fused"
	"github.com/vivid-ml/vivid-ml-engine/engine/diffusion/sched"
)

// errUnfused sends a frame back to the host loop (the fused runner could not be built).
var errUnfused = errors.New("diffusion: frame not fused")

// fusedState is the device loop's runner and the host draws it is fed, reused frame after frame.
type fusedState struct {
	key    string
	runner fused.Runner
	steps  []fused.Step
	z      [][]float32
	rgba   []uint8
}

func (f *fusedState) close() error {
	var err error
	if f.runner != nil {
		err = f.runner.Close()
	}
	*f = fusedState{}
	return err
}

// Fused reports whether frames run as one device loop (the backend fuses the encoder,
// every UNet step with its scheduler update and the decoder; see package fused).
func (p *Pipeline) Fused() bool {
	p.genMu.Lock()
	defer p.genMu.Unlock()
	return p.fuser != nil
}

// runner returns the fused runner for the bound tensors, building it when their shapes
// changed; fresh reports a new runner (its conditioning is not uploaded yet).
func (p *Pipeline) runner(size, batch int) (r fused.Runner, fresh bool, err error) {
	f := &p.gen.fused
	key := fmt.Sprint(size, "|", p.enc.b.shapeKey, "|", p.unet.b.shapeKey, "|", p.dec.b.shapeKey, "|", batch)
	if f.runner != nil && f.key == key {
		return f.runner, false, nil
	}
	_ = f.close()
	e, u, d := p.enc.b, p.unet.b, p.dec.b
	s := fused.Spec{
		Enc: e.model, UNet: u.model, Dec: d.model,
		EncIn: e.inT, UNetIn: u.inT, DecIn: d.inT,
		EncImage: e.in["sample"], EncLatent: e.out["latent"],
		Sample: u.in["sample"], Timestep: u.in["timestep"], NoisePred: u.out["out"],
		DecLatent: d.in["latent"], DecImage: d.out["image"],
		Size: size, Ch: p.dims.LatentCh, Batch: batch, Dist: p.enc.params,
	}
	if e.inT[s.EncImage].Elem == Float16 {
		for i, h := range byteToHalf {
			s.ByteToInput[i] = convert.Float32From16(h)
		}
	} else {
		s.ByteToInput = byteToUnit
	}
	if r, err = p.fuser.FuseImg2Img(s); err != nil {
		return nil, false, err
	}
	f.runner, f.key = r, key
	return r, true, nil
}

// generateFused is generate's frame on the device loop: the host resizes the frame and
// draws the noise in diffusers' order (exactly as the host loop), the backend does the rest.
func (p *Pipeline) generateFused(req Request, img *image.RGBA, start, batch int, condChanged bool, tm Timings, t0 time.Time) (*image.RGBA, error) {
	g := &p.gen
	f := &g.fused
	size := g.size
	n := len(g.lat)
	// The scheduler's coefficients first: a step that is not affine (clip_sample) runs on
	// the host loop, before any noise is drawn.
	add, err := sched.AddNoiseAffine(p.sch, start)
	if errors.Is(err, sched.ErrNotAffine) {
		return nil, errUnfused
	}
	if err != nil {
		return nil, fmt.Errorf("diffusion: %w", err)
	}
	affs := make([]sched.Affine, 0, req.Steps-start)
	for i := start; i < req.Steps; i++ {
		a, err := sched.StepAffine(p.sch, i)
		if errors.Is(err, sched.ErrNotAffine) {
			return nil, errUnfused
		}
		if err != nil {
			return nil, fmt.Errorf("diffusion: %w", err)
		}
		affs = append(affs, a)
	}
	r, fresh, err := p.runner(size, batch)
	if err != nil {
		p.log.Warn("the backend cannot fuse the frame loop; running it on the host", "error", err)
		p.fuser = nil
		_ = f.close()
		return nil, errUnfused
	}
	if fresh || condChanged {
		if err := r.SetConditioning(); err != nil {
			_ = f.close()
			return nil, err
		}
	}
	src := fitSquare(img, size, g.resized)
	if src != img {
		g.resized = src
	}
	rgba := src.Pix
	if src.Stride != 4*size || len(rgba) != 4*size*size {
		f.rgba = growBytes(f.rgba, 4*size*size)
		for y := range size {
			copy(f.rgba[y*4*size:(y+1)*4*size], src.Pix[y*src.Stride:])
		}
		rgba = f.rgba
	}

	s := time.Now()
	fr := fused.Frame{RGBA: rgba, Scale: float32(p.scale)}
	vaeEps, noise, stepNoise := p.startNoise(req, n)
	fr.Noise = noise
	if p.enc.params { // an encoder without a log-variance gives its latents as they are
		fr.VAEEps = vaeEps
	}
	fr.Start, fr.StartNoise = float32(add.X), float32(add.Noise)
	if batch == 2 {
		fr.Guidance = float32(req.Guidance)
	}
	ts := p.sch.Timesteps()
	k := req.Steps - start
	for len(f.steps) < k {
		in := p.unet.b.input("timestep")
		t, err := NewTensor(in.Elem, in.Shape...)
		if err != nil {
			return nil, err
		}
		f.steps, f.z = append(f.steps, fused.Step{Timestep: t}), append(f.z, make([]float32, n))
	}
	for j := range k {
		i := start + j
		a := affs[j]
		st := &f.steps[j] // allocated for this runner's shapes (a new runner starts a new fusedState)
		setTimestep(st.Timestep, ts[i])
		st.In, st.X, st.Out, st.Noise, st.Z = float32(a.In), float32(a.X), float32(a.Out), float32(a.Noise), nil
		if a.Draws {
			stepNoise.Fill(f.z[j])
			st.Z = f.z[j]
		}
	}
	fr.Steps = f.steps[:k]
	tm.Scheduler = time.Since(s)
	dst := image.NewRGBA(image.Rect(0, 0, size, size))
	fr.Out = dst.Pix
	if len(req.Latents) == n {
		fr.Latents = req.Latents
	}
	ft, err := r.Run(&fr)
	if err != nil {
		return nil, err
	}
	tm.VAEEncode, tm.UNet, tm.VAEDecode = ft.Encode, ft.UNet, ft.Decode
	p.finishTimings(tm, t0)
	return dst, nil
}

func growBytes(b []uint8, n int) []uint8 {
	if cap(b) < n {
		return make([]uint8, n)
	}
	return b[:n]
}
