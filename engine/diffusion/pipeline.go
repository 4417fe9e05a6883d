package diffusion

import (
	"encoding/json"
	"errors"
	"fmt"
	"image"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/vivid-ml/vivid-ml-engine/engine/diffusion/clip"
	"github.com/vivid-ml/vivid-ml-engine/engine/diffusion/fused"
	"github.com/vivid-ml/vivid-ml-engine/engine/diffusion/sched"
	"github.com/vivid-ml/vivid-ml-engine/engine/infer"
	"github.com/vivid-ml/vivid-ml-engine/tensorrt/gpu"
)

// Config opens a Pipeline.
type Config struct {
	Dir       string  // diffusers ONNX folder
	Backend   Backend // how models are loaded and run
	Scheduler string  // sched name; "" = from scheduler_config.json's _class_name (default euler)
	TAESD     bool    // decode/encode with taesd_encoder/ and taesd_decoder/ (latent scale 1)
	// Eta is DDIM's and TCD's step eta (diffusers' step(eta=…)); nil = the scheduler's
	// default (DDIM 0, TCD 0.3). diffusers' img2img pipelines pass eta=0.0 unless told.
	Eta *float64
	// RNG is the noise generator: RNGTorch (default) draws as diffusers does with
	// torch.Generator("cpu").manual_seed(seed); RNGEngine is the engine's own PCG stream.
	RNG    string
	Logger *slog.Logger
	// HostLoop keeps the denoising loop on the host even when the backend can run a whole
	// frame on its device (package fused; the xla and go backends can): every model then
	// takes and returns host tensors, as on ONNX Runtime.
	HostLoop bool
	// GPU, when set (CUDA builds with a device), converts frames to and from the VAE
	// tensors on the GPU. The pipeline takes it over and closes it in Close.
	GPU *gpu.Device
}

// Noise generators (Config.RNG).
const (
	RNGTorch  = "torch"
	RNGEngine = "engine"
)

// RNGs lists the generators Config.RNG accepts.
var RNGs = []string{RNGTorch, RNGEngine}

// Pipeline is SDXL or SD 1.x/2.x img2img on one model folder. EncodePrompt and
// Generate may run concurrently (text encoders and the UNet/VAE are separate models);
// each of them is serialised on its own.
type Pipeline struct {
	log   *slog.Logger
	scale float64
	sch   sched.Scheduler
	name  string
	rng   string
	taesd bool
	dims  Dims

	tok1, tok2 *clip.Tokenizer
	te1, te2   *textEncoder // te2 is nil for the SD family
	unet       *unet
	enc        *vaeEncoder
	dec        *vaeDecoder
	models     []Model
	conv       frameConv
	fuser      fused.Fuser // the UNet's backend runs frames on its device; nil: the host loop

	encMu   sync.Mutex
	encTime Timings

	genMu    sync.Mutex
	gen      genState
	genTimes Timings
}

// Open checks the folder, loads tokenizers, scheduler config and the models, binds
// their inputs and outputs by name, and reads every size from them (Dims).
func Open(cfg Config) (p *Pipeline, err error) {
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	rng := cfg.RNG
	if rng == "" {
		rng = RNGTorch
	}
	if !slices.Contains(RNGs, rng) {
		err = fmt.Errorf("diffusion: unknown rng %q (want %s)", rng, strings.Join(RNGs, " or "))
	} else {
		err = checkFolder(cfg.Dir, cfg.TAESD)
	}
	if err != nil {
		if cfg.GPU != nil {
			_ = cfg.GPU.Close()
		}
		return nil, err
	}
	p = &Pipeline{log: log, conv: frameConv{dev: cfg.GPU, log: log}, rng: rng, taesd: cfg.TAESD}
	opened := p
	defer func() {
		if err != nil {
			opened.Close()
			p = nil
		}
	}()
	if p.scale, p.dims.VAEScale, err = readVAEConfig(cfg.Dir, cfg.TAESD); err != nil {
		return nil, err
	}
	if p.sch, p.name, err = openScheduler(cfg.Dir, cfg.Scheduler, cfg.Eta); err != nil {
		return nil, err
	}
	ucfg, err := readUNetConfig(cfg.Dir)
	if err != nil {
		return nil, err
	}
	open := func(file, name string) (Model, error) {
		m, err := cfg.Backend.Open(infer.Spec{Path: filepath.Join(cfg.Dir, filepath.FromSlash(file)), Name: name})
		if err != nil {
			return nil, fmt.Errorf("diffusion: %s: %w", file, err)
		}
		p.models = append(p.models, m)
		return m, nil
	}
	m, err := open(fileUNet, "unet")
	if err != nil {
		return nil, err
	}
	if p.unet, err = openUNet(fileUNet, m, ucfg); err != nil {
		return nil, err
	}
	d := &p.dims
	d.Family, d.LatentCh, d.Context, d.Pooled, d.TimeIDs = p.unet.family, p.unet.ch, p.unet.ctx, p.unet.pooled, p.unet.tids
	if d.Family == SDXL {
		if err := checkFiles(cfg.Dir, sdxlFiles); err != nil {
			return nil, err
		}
	}
	if err := p.openText(cfg.Dir, open); err != nil {
		return nil, err
	}
	encFile, decFile := fileVAEEncoder, fileVAEDecoder
	if cfg.TAESD {
		encFile, decFile = fileTAESDEncoder, fileTAESDDecoder
	}
	if m, err = open(encFile, "vae_encoder"); err != nil {
		return nil, err
	}
	if p.enc, err = openVAEEncoder(encFile, m, d.LatentCh, d.VAEScale); err != nil {
		return nil, err
	}
	if m, err = open(decFile, "vae_decoder"); err != nil {
		return nil, err
	}
	if p.dec, err = openVAEDecoder(decFile, m, d.LatentCh, d.VAEScale); err != nil {
		return nil, err
	}
	if f, ok := p.unet.b.model.(fused.Fuser); ok && !cfg.HostLoop {
		p.fuser = f
		log.Info("frames run on the device loop", "provider", p.unet.b.model.Provider())
	}
	return p, nil
}

// openText loads the tokenizers and text encoders the family needs and checks their
// widths against the UNet's.
func (p *Pipeline) openText(dir string, open func(file, name string) (Model, error)) error {
	var err error
	if p.tok1, err = clip.Load(filepath.Join(dir, fileTokenizer1)); err != nil {
		return fmt.Errorf("diffusion: %w", err)
	}
	m, err := open(fileTextEncoder1, "text_encoder")
	if err != nil {
		return err
	}
	sd := p.dims.Family == SD
	if p.te1, err = openTextEncoder(fileTextEncoder1, m, false, sd); err != nil {
		return err
	}
	if sd {
		if p.te1.width != p.dims.Context {
			return fmt.Errorf("%w: %s input encoder_hidden_states is %d wide, but %s last_hidden_state is %d wide",
				ErrModelIO, fileUNet, p.dims.Context, fileTextEncoder1, p.te1.width)
		}
		return nil
	}
	if p.tok2, err = clip.Load(filepath.Join(dir, fileTokenizer2)); err != nil {
		return fmt.Errorf("diffusion: %w", err)
	}
	if m, err = open(fileTextEncoder2, "text_encoder_2"); err != nil {
		return err
	}
	if p.te2, err = openTextEncoder(fileTextEncoder2, m, true, false); err != nil {
		return err
	}
	if w := p.te1.width + p.te2.width; w != p.dims.Context {
		return fmt.Errorf("%w: %s input encoder_hidden_states is %d wide, but %s (%d) + %s (%d) give %d",
			ErrModelIO, fileUNet, p.dims.Context, fileTextEncoder1, p.te1.width, fileTextEncoder2, p.te2.width, w)
	}
	if n := p.te2.pooledLen(); n != p.dims.Pooled {
		return fmt.Errorf("%w: %s input text_embeds is %d wide, but %s gives %d pooled values",
			ErrModelIO, fileUNet, p.dims.Pooled, fileTextEncoder2, n)
	}
	return nil
}

// Dims are the sizes read from the folder's models.
func (p *Pipeline) Dims() Dims { return p.dims }

// RNG is the noise generator in use (RNGTorch or RNGEngine).
func (p *Pipeline) RNG() string { return p.rng }

// openScheduler builds the scheduler from scheduler_config.json (SDXL's config when
// the file is absent); name overrides the class the file names.
func openScheduler(dir, name string, eta *float64) (sched.Scheduler, string, error) {
	cfg := sched.SDXLConfig()
	path := filepath.Join(dir, filepath.FromSlash(fileScheduler))
	data, err := os.ReadFile(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
	case err != nil:
		return nil, "", fmt.Errorf("diffusion: %w", err)
	default:
		if cfg, err = sched.ParseConfig(data); err != nil {
			return nil, "", fmt.Errorf("diffusion: %s: %w", fileScheduler, err)
		}
		var c struct {
			Class string `json:"_class_name"`
		}
		_ = json.Unmarshal(data, &c) // already parsed above
		if name == "" {
			name = schedulerFromClass[c.Class]
		}
	}
	if name == "" {
		name = "euler"
	}
	cfg.Eta = eta
	s, err := sched.New(name, cfg)
	if err != nil {
		return nil, "", fmt.Errorf("diffusion: %w", err)
	}
	return s, name, nil
}

// SchedulerName is the scheduler in use ("euler", …).
func (p *Pipeline) SchedulerName() string { return p.name }

// Providers lists each model's execution provider, in load order.
func (p *Pipeline) Providers() []string {
	out := make([]string, len(p.models))
	for i, m := range p.models {
		out[i] = m.Provider()
	}
	return out
}

// EncodePrompt tokenizes prompt and runs the text encoders, as diffusers' encode_prompt
// (clip_skip None). SDXL: context = [penultimate hidden states of encoder 1 | of
// encoder 2], pooled = encoder 2's text_embeds. SD: context = last_hidden_state.
func (p *Pipeline) EncodePrompt(prompt string) (*Embedding, error) {
	p.encMu.Lock()
	defer p.encMu.Unlock()
	t0 := time.Now()
	ids1 := p.tok1.IDs(prompt)
	var ids2 []int32
	if p.te2 != nil {
		ids2 = p.tok2.IDs(prompt)
	}
	t1 := time.Now()
	e := p.ZeroEmbedding()
	if p.te2 == nil {
		if err := p.te1.encode(ids1, e.Context, nil); err != nil {
			return nil, err
		}
		p.encTime = Timings{Tokenize: t1.Sub(t0), TextEncode: time.Since(t1)}
		return e, nil
	}
	w1, w2, ctx := p.te1.width, p.te2.width, p.dims.Context
	h1 := make([]float32, SeqLen*w1)
	h2 := make([]float32, SeqLen*w2)
	if err := p.te1.encode(ids1, h1, nil); err != nil {
		return nil, err
	}
	if err := p.te2.encode(ids2, h2, e.Pooled); err != nil {
		return nil, err
	}
	for i := range SeqLen {
		copy(e.Context[i*ctx:], h1[i*w1:(i+1)*w1])
		copy(e.Context[i*ctx+w1:], h2[i*w2:(i+1)*w2])
	}
	p.encTime = Timings{Tokenize: t1.Sub(t0), TextEncode: time.Since(t1)}
	return e, nil
}

// ZeroEmbedding is an all-zero embedding of this folder's sizes: SDXL's unconditional
// embedding for an empty negative prompt (force_zeros_for_empty_prompt).
func (p *Pipeline) ZeroEmbedding() *Embedding {
	return &Embedding{Context: make([]float32, SeqLen*p.dims.Context), Pooled: make([]float32, p.dims.Pooled)}
}

// Close releases every model. Safe to call twice.
func (p *Pipeline) Close() error {
	p.genMu.Lock()
	defer p.genMu.Unlock()
	p.encMu.Lock()
	defer p.encMu.Unlock()
	errs := []error{p.gen.fused.close()}
	for _, m := range p.models {
		errs = append(errs, m.Close())
	}
	p.models = nil
	if p.conv.dev != nil {
		errs = append(errs, p.conv.dev.Close())
		p.conv.dev = nil
	}
	return errors.Join(errs...)
}

// Request is one img2img run.
type Request struct {
	Cond      *Embedding
	Uncond    *Embedding // negative prompt; nil = none (SDXL: zeros, SD: ""). Used only when Guidance > 1
	Steps     int
	Strength  float64
	Seed      uint64
	SeedB     uint64  // second seed for seed blending
	SeedBlend float64 // 0 = Seed's noise only, 1 = SeedB's; between: slerp of the two noises
	Guidance  float64 // classifier-free guidance scale; ≤ 1 disables it (batch 1)
	Size      int     // square working size, multiple of 8; 0 = 512
	// Trace, when set, sees the latents after the noise is added (step −1) and after
	// each scheduler step i (tests compare them with diffusers'). The slice is reused.
	Trace func(step int, latents []float32)
	// Latents, when set (the latent count long), is filled with the final latents, on
	// the host loop and the device loop alike.
	Latents []float32
}

// Generate runs img2img on img and returns a new size×size image.
func (p *Pipeline) Generate(req Request, img *image.RGBA) (*image.RGBA, error) {
	p.genMu.Lock()
	defer p.genMu.Unlock()
	if p.models == nil {
		return nil, ErrClosed
	}
	return p.generate(req, img)
}

// Timings returns the stage times of the last EncodePrompt and Generate.
func (p *Pipeline) Timings() Timings {
	p.encMu.Lock()
	t := p.encTime
	p.encMu.Unlock()
	p.genMu.Lock()
	g := p.genTimes
	p.genMu.Unlock()
	g.Tokenize, g.TextEncode = t.Tokenize, t.TextEncode
	return g
}
