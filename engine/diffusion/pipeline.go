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
	"sync"
	"time"

	"github.com/vivid-ml/vivid-ml-engine/engine/diffusion/clip"
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
	Logger    *slog.Logger
	// GPU, when set (CUDA builds with a device), converts frames to and from the VAE
	// tensors on the GPU. The pipeline takes it over and closes it in Close.
	GPU *gpu.Device
}

// Pipeline is SDXL img2img on one model folder. EncodePrompt and Generate may run
// concurrently (text encoders and the UNet/VAE are separate models); each of them is
// serialised on its own.
type Pipeline struct {
	log   *slog.Logger
	scale float64
	sch   sched.Scheduler
	name  string

	tok1, tok2 *clip.Tokenizer
	te1, te2   *textEncoder
	unet       *unet
	enc        *vaeEncoder
	dec        *vaeDecoder
	models     []Model
	conv       frameConv

	encMu   sync.Mutex
	encTime Timings

	genMu    sync.Mutex
	gen      genState
	genTimes Timings
}

// Open checks the folder, loads tokenizers, scheduler config and the five models, and
// binds their inputs and outputs by name.
func Open(cfg Config) (p *Pipeline, err error) {
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if err := checkFolder(cfg.Dir, cfg.TAESD); err != nil {
		if cfg.GPU != nil {
			_ = cfg.GPU.Close()
		}
		return nil, err
	}
	p = &Pipeline{log: log, conv: frameConv{dev: cfg.GPU, log: log}}
	opened := p
	defer func() {
		if err != nil {
			opened.Close()
			p = nil
		}
	}()
	if p.scale, err = scalingFactor(cfg.Dir, cfg.TAESD); err != nil {
		return nil, err
	}
	if p.sch, p.name, err = openScheduler(cfg.Dir, cfg.Scheduler); err != nil {
		return nil, err
	}
	if p.tok1, err = clip.Load(filepath.Join(cfg.Dir, fileTokenizer1)); err != nil {
		return nil, fmt.Errorf("diffusion: %w", err)
	}
	if p.tok2, err = clip.Load(filepath.Join(cfg.Dir, fileTokenizer2)); err != nil {
		return nil, fmt.Errorf("diffusion: %w", err)
	}
	open := func(file, name string) (Model, error) {
		m, err := cfg.Backend.Open(infer.Spec{Path: filepath.Join(cfg.Dir, filepath.FromSlash(file)), Name: name})
		if err != nil {
			return nil, fmt.Errorf("diffusion: %s: %w", file, err)
		}
		p.models = append(p.models, m)
		return m, nil
	}
	encFile, decFile := fileVAEEncoder, fileVAEDecoder
	if cfg.TAESD {
		encFile, decFile = fileTAESDEncoder, fileTAESDDecoder
	}
	steps := []func() error{
		func() error {
			m, err := open(fileTextEncoder1, "text_encoder")
			if err == nil {
				p.te1, err = openTextEncoder(fileTextEncoder1, m, false)
			}
			return err
		},
		func() error {
			m, err := open(fileTextEncoder2, "text_encoder_2")
			if err == nil {
				p.te2, err = openTextEncoder(fileTextEncoder2, m, true)
			}
			return err
		},
		func() error {
			m, err := open(fileUNet, "unet")
			if err == nil {
				p.unet, err = openUNet(fileUNet, m)
			}
			return err
		},
		func() error {
			m, err := open(encFile, "vae_encoder")
			if err == nil {
				p.enc, err = openVAEEncoder(encFile, m)
			}
			return err
		},
		func() error {
			m, err := open(decFile, "vae_decoder")
			if err == nil {
				p.dec, err = openVAEDecoder(decFile, m)
			}
			return err
		},
	}
	for _, s := range steps {
		if err := s(); err != nil {
			return nil, err
		}
	}
	if w := p.te1.width + p.te2.width; w != ContextDim {
		return nil, fmt.Errorf("%w: text encoder widths %d + %d = %d, the UNet context is %d",
			ErrModelIO, p.te1.width, p.te2.width, w, ContextDim)
	}
	if n := p.te2.pooledLen(); n != PooledDim {
		return nil, fmt.Errorf("%w: %s pooled output has %d values, want %d", ErrModelIO, fileTextEncoder2, n, PooledDim)
	}
	return p, nil
}

// openScheduler builds the scheduler from scheduler_config.json (SDXL's config when
// the file is absent); name overrides the class the file names.
func openScheduler(dir, name string) (sched.Scheduler, string, error) {
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

// EncodePrompt tokenizes prompt with both tokenizers and runs both text encoders:
// context = [penultimate hidden states of encoder 1 | of encoder 2], pooled = encoder 2's text_embeds.
func (p *Pipeline) EncodePrompt(prompt string) (*Embedding, error) {
	p.encMu.Lock()
	defer p.encMu.Unlock()
	t0 := time.Now()
	ids1, ids2 := p.tok1.IDs(prompt), p.tok2.IDs(prompt)
	t1 := time.Now()
	w1, w2 := p.te1.width, p.te2.width
	h1 := make([]float32, SeqLen*w1)
	h2 := make([]float32, SeqLen*w2)
	e := &Embedding{Context: make([]float32, SeqLen*ContextDim), Pooled: make([]float32, PooledDim)}
	if err := p.te1.encode(ids1, h1, nil); err != nil {
		return nil, err
	}
	if err := p.te2.encode(ids2, h2, e.Pooled); err != nil {
		return nil, err
	}
	for i := range SeqLen {
		copy(e.Context[i*ContextDim:], h1[i*w1:(i+1)*w1])
		copy(e.Context[i*ContextDim+w1:], h2[i*w2:(i+1)*w2])
	}
	p.encTime = Timings{Tokenize: t1.Sub(t0), TextEncode: time.Since(t1)}
	return e, nil
}

// ZeroEmbedding is the unconditional embedding SDXL uses for an empty negative prompt
// (force_zeros_for_empty_prompt).
func ZeroEmbedding() *Embedding {
	return &Embedding{Context: make([]float32, SeqLen*ContextDim), Pooled: make([]float32, PooledDim)}
}

// Close releases every model. Safe to call twice.
func (p *Pipeline) Close() error {
	p.genMu.Lock()
	defer p.genMu.Unlock()
	p.encMu.Lock()
	defer p.encMu.Unlock()
	var errs []error
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
	Uncond    *Embedding // negative prompt; nil = zeros. Used only when Guidance > 1
	Steps     int
	Strength  float64
	Seed      uint64
	SeedB     uint64  // second seed for seed blending
	SeedBlend float64 // 0 = Seed's noise only, 1 = SeedB's; between: slerp of the two noises
	Guidance  float64 // classifier-free guidance scale; ≤ 1 disables it (batch 1)
	Size      int     // square working size, multiple of 8; 0 = 512
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
