package diffusion

import (
	"errors"
	"fmt"
	"image"
	"time"

	"github.com/vivid-ml/vivid-ml-engine/engine/diffusion/sched"
)

// Timings are the stage times of one prompt encoding and one img2img frame. The
// model fields are ONNX Runtime Run times only; Overhead is everything else.
type Timings struct {
	Tokenize   time.Duration
	TextEncode time.Duration
	VAEEncode  time.Duration
	UNet       []time.Duration // one per denoising step
	Scheduler  time.Duration   // noise, scale_model_input and steps, all steps
	VAEDecode  time.Duration
	Run        time.Duration // sum of model runs in Generate
	Total      time.Duration // Generate, wall clock
}

// Overhead is the engine's own time in Generate: everything but model runs.
func (t Timings) Overhead() time.Duration { return t.Total - t.Run }

// genState holds the buffers Generate reuses frame after frame.
type genState struct {
	size, steps int
	schedReady  bool
	resized     *image.RGBA

	lat, scaled, eps, logvar []float32
	vaeEps, torchBuf         []float32 // torch rng: the VAE sample's and add_noise's draws

	noiseKey  [3]uint64
	noise     []float32
	torch     torchNoise
	zero      *Embedding
	empty     *Embedding // SD family: the embedding of "" (the default negative prompt)
	lastCond  *Embedding
	lastNeg   *Embedding
	lastBatch int
	condShape string // the UNet tensors' shape key when the conditioning was written

	fused fusedState
}

const stepNoiseSalt = 0x5eed5eed5eed5eed

func (p *Pipeline) generate(req Request, img *image.RGBA) (*image.RGBA, error) {
	t0 := time.Now()
	g := &p.gen
	size := req.Size
	if size == 0 {
		size = 512
	}
	if size%8 != 0 || size < 8 || size%p.dims.VAEScale != 0 {
		return nil, fmt.Errorf("diffusion: size %d is not a positive multiple of 8 and of the VAE scale %d", size, p.dims.VAEScale)
	}
	if req.Cond == nil {
		return nil, ErrNotReady
	}
	start, err := sched.Img2ImgStart(req.Steps, req.Strength)
	if errors.Is(err, sched.ErrNoSteps) {
		return nil, fmt.Errorf("%w (%d steps × strength %v)", ErrNoSteps, req.Steps, req.Strength)
	}
	if err != nil {
		return nil, fmt.Errorf("diffusion: %w", err)
	}
	cfg := req.Guidance > 1
	batch := 1
	if cfg {
		batch = 2
	}
	L := size / p.dims.VAEScale
	n := p.dims.LatentCh * L * L
	if g.size != size {
		g.size = size
		g.lat, g.scaled, g.eps, g.logvar = make([]float32, n), make([]float32, n), make([]float32, batch*n), make([]float32, n)
		g.vaeEps, g.torchBuf = make([]float32, n), make([]float32, n)
		g.noise, g.noiseKey = nil, [3]uint64{}
	}
	if len(g.eps) != batch*n {
		g.eps = make([]float32, batch*n)
	}
	if err := p.enc.prepare(size); err != nil {
		return nil, err
	}
	if err := p.dec.prepare(size); err != nil {
		return nil, err
	}
	if err := p.unet.prepare(batch, L, L); err != nil {
		return nil, err
	}
	if !g.schedReady || g.steps != req.Steps {
		if err := p.sch.SetTimesteps(req.Steps); err != nil {
			return nil, fmt.Errorf("diffusion: %w", err)
		}
		g.steps, g.schedReady = req.Steps, true
	}
	neg, err := p.negative(req, cfg)
	if err != nil {
		return nil, err
	}
	tm := Timings{UNet: make([]time.Duration, 0, req.Steps-start)}

	// Conditioning: set once per batch layout and embedding (diffusers order: [uncond, cond]).
	condChanged := false
	timeIDs := []float32{float32(size), float32(size), 0, 0, float32(size), float32(size)}
	if g.lastBatch != batch || g.lastCond != req.Cond || (cfg && g.lastNeg != neg) || g.condShape != p.unet.b.shapeKey {
		if cfg {
			p.unet.setConditioning(0, neg.Context, neg.Pooled, timeIDs)
			p.unet.setConditioning(1, req.Cond.Context, req.Cond.Pooled, timeIDs)
		} else {
			p.unet.setConditioning(0, req.Cond.Context, req.Cond.Pooled, timeIDs)
		}
		g.lastBatch, g.lastCond, g.lastNeg, g.condShape = batch, req.Cond, neg, p.unet.b.shapeKey
		condChanged = true
	}

	if p.fuser != nil && req.Trace == nil {
		out, err := p.generateFused(req, img, start, batch, condChanged, tm, t0)
		if !errors.Is(err, errUnfused) {
			return out, err
		}
	}

	// VAE encode: image → latents × scaling factor (torch: sampled, engine: the mean).
	p.conv.toTensor(img, size, p.enc.b.input("sample"), &g.resized)
	r := time.Now()
	if err := p.enc.b.run(); err != nil {
		return nil, err
	}
	tm.VAEEncode = time.Since(r)
	s := time.Now()
	vaeEps, noise, stepNoise := p.startNoise(req, n)
	if vaeEps != nil {
		p.enc.sample(g.lat, vaeEps, g.logvar)
	} else {
		p.enc.mean(g.lat)
	}
	scale := float32(p.scale)
	for i := range g.lat {
		g.lat[i] *= scale
	}

	// Noise at the start timestep.
	if err := p.sch.AddNoise(g.lat, noise, start); err != nil {
		return nil, fmt.Errorf("diffusion: %w", err)
	}
	tm.Scheduler += time.Since(s)
	if req.Trace != nil {
		req.Trace(-1, g.lat)
	}

	ts := p.sch.Timesteps()
	sample, out := p.unet.sample(), p.unet.out()
	for i := start; i < req.Steps; i++ {
		s := time.Now()
		copy(g.scaled, g.lat)
		if err := p.sch.ScaleModelInput(g.scaled, i); err != nil {
			return nil, fmt.Errorf("diffusion: %w", err)
		}
		tm.Scheduler += time.Since(s)
		for b := range batch {
			sample.SetFloats(b*n, g.scaled)
		}
		p.unet.setTimestep(ts[i])
		r := time.Now()
		if err := p.unet.b.run(); err != nil {
			return nil, err
		}
		tm.UNet = append(tm.UNet, time.Since(r))
		out.Floats(0, g.eps)
		eps := g.eps[:n]
		if cfg {
			u, c := g.eps[:n], g.eps[n:2*n]
			gs := float32(req.Guidance)
			for j := range u {
				u[j] += gs * (c[j] - u[j])
			}
		}
		s = time.Now()
		if err := p.sch.Step(eps, g.lat, i, stepNoise); err != nil {
			return nil, fmt.Errorf("diffusion: %w", err)
		}
		tm.Scheduler += time.Since(s)
		if req.Trace != nil {
			req.Trace(i, g.lat)
		}
	}

	if len(req.Latents) == n {
		copy(req.Latents, g.lat)
	}

	// VAE decode: latents ÷ scaling factor → image.
	inv := 1 / scale
	for i := range g.scaled {
		g.scaled[i] = g.lat[i] * inv
	}
	p.dec.b.input("latent").SetFloats(0, g.scaled)
	r = time.Now()
	if err := p.dec.b.run(); err != nil {
		return nil, err
	}
	tm.VAEDecode = time.Since(r)
	dst := image.NewRGBA(image.Rect(0, 0, size, size))
	p.conv.fromTensor(p.dec.b.output("image"), dst)
	p.finishTimings(tm, t0)
	return dst, nil
}

// finishTimings sums the frame's model runs and keeps tm as the last frame's timings.
func (p *Pipeline) finishTimings(tm Timings, t0 time.Time) {
	tm.Run = tm.VAEEncode + tm.VAEDecode
	for _, d := range tm.UNet {
		tm.Run += d
	}
	tm.Total = time.Since(t0)
	p.genTimes = tm
}

// startNoise draws a frame's noise in diffusers' order: the KL VAE's sample (vaeEps; nil
// for TAESD, which draws nothing, and for the engine's generator, which takes the mean),
// add_noise's noise, then stepNoise for the scheduler's steps.
func (p *Pipeline) startNoise(req Request, n int) (vaeEps, noise []float32, stepNoise sched.Noise) {
	g := &p.gen
	if p.rng != RNGTorch {
		return nil, p.noise(req, n), sched.NewGaussian(req.Seed ^ stepNoiseSalt)
	}
	g.torch.start(noiseKey{seed: req.Seed, seedB: req.SeedB, blend: clampBlend(req.SeedBlend), n: n})
	if !p.taesd {
		g.torch.Fill(g.vaeEps)
		vaeEps = g.vaeEps
	}
	g.torch.Fill(g.torchBuf)
	return vaeEps, g.torchBuf, &g.torch
}

// noise returns the start noise for req: Seed's Gaussian noise, or the slerp of Seed's
// and SeedB's by SeedBlend. Cached while the seeds and blend stay the same.
func (p *Pipeline) noise(req Request, n int) []float32 {
	g := &p.gen
	blend := clampBlend(req.SeedBlend)
	key := [3]uint64{req.Seed, req.SeedB, uint64(blend * (1 << 52))}
	if blend == 0 {
		key[1] = 0
	}
	if g.noise != nil && len(g.noise) == n && key == g.noiseKey {
		return g.noise
	}
	a := make([]float32, n)
	sched.NewGaussian(req.Seed).Fill(a)
	if blend > 0 {
		b := make([]float32, n)
		sched.NewGaussian(req.SeedB).Fill(b)
		Slerp(a, a, b, blend)
	}
	g.noise, g.noiseKey = a, key
	return a
}

// negative returns the unconditional embedding of a guided frame: req.Uncond, else as
// diffusers does without a negative prompt — zeros for SDXL (force_zeros_for_empty_prompt),
// the embedding of "" for SD 1.x/2.x.
func (p *Pipeline) negative(req Request, cfg bool) (*Embedding, error) {
	g := &p.gen
	switch {
	case !cfg:
		return nil, nil
	case req.Uncond != nil:
		return req.Uncond, nil
	case p.dims.Family == SD:
		if g.empty == nil {
			e, err := p.EncodePrompt("")
			if err != nil {
				return nil, err
			}
			g.empty = e
		}
		return g.empty, nil
	}
	if g.zero == nil {
		g.zero = p.ZeroEmbedding()
	}
	return g.zero, nil
}
