package diffusion

import (
	"context"
	"errors"
	"log/slog"
	"sync"

	"github.com/vivid-ml/vivid-ml-engine/engine"
	"github.com/vivid-ml/vivid-ml-engine/engine/diffusion/sched"
)

// StageConfig configures the engine's diffusion stage.
type StageConfig struct {
	Pipeline  *Pipeline
	Size      int           // working size (square, multiple of 8); 0 = 512
	Encode    EncodeFunc    // nil: Pipeline.EncodePrompt (tests inject a slow one)
	Slerp     bool          // prompt blending by slerp instead of lerp
	Similar   SimilarFilter // similar-frame skip; zero Threshold disables it
	CacheSize int           // prompt embeddings kept; 0 = 32
	Logger    *slog.Logger
}

// Stage is engine.ImageStage for SDXL img2img. Each frame reads one Params snapshot;
// prompt changes are encoded in the background and the previous embedding is used
// until the new one is ready, so a frame never waits for the text encoders.
type Stage struct {
	cfg   StageConfig
	log   *slog.Logger
	cache *PromptCache

	mu      sync.Mutex
	cond    blendState // prompt (blended with PromptB)
	neg     blendState // negative prompt (blended with NegativeB)
	last    *engine.Frame
	filter  SimilarFilter
	noSteps bool
}

// NewStage starts the prompt encoder goroutine.
func NewStage(cfg StageConfig) *Stage {
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	enc := cfg.Encode
	if enc == nil {
		enc = cfg.Pipeline.EncodePrompt
	}
	return &Stage{cfg: cfg, log: log, cache: NewPromptCache(enc, cfg.CacheSize, log), filter: cfg.Similar}
}

// Warm encodes the snapshot's prompts and waits for them (call before frames flow).
func (s *Stage) Warm(ctx context.Context, p *engine.Params) error {
	a, b := s.prompts(p)
	list := []string{a}
	if b != "" {
		list = append(list, b)
	}
	if p.Negative != "" && p.Guidance > 1 {
		list = append(list, p.Negative)
		if p.Blend > 0 && p.NegativeB != "" {
			list = append(list, p.NegativeB)
		}
	}
	for _, pr := range list {
		if _, err := s.cache.Wait(ctx, pr); err != nil {
			return err
		}
	}
	return nil
}

// prompts returns the main and blend-target prompts: Prompt, and PromptB (preset B's,
// filled by control) while Blend > 0.
func (s *Stage) prompts(p *engine.Params) (a, b string) {
	if p.Blend > 0 {
		b = p.PromptB
	}
	return p.Prompt, b
}

// blendState remembers the newest ready embeddings of two prompts and their blend.
type blendState struct {
	a, b    *Embedding
	key     [3]any
	blended *Embedding
}

// get returns the embedding for prompts pa (and pb by t) without waiting: the newest
// ready one of each, blended when pb is set and ready. nil until pa was ever ready.
func (st *blendState) get(c *PromptCache, pa, pb string, t float64, slerp bool) *Embedding {
	if e, ok := c.Get(pa); ok {
		st.a = e
	}
	if st.a == nil {
		return nil
	}
	if pb == "" {
		return st.a
	}
	if e, ok := c.Get(pb); ok {
		st.b = e
	}
	if st.b == nil {
		return st.a
	}
	key := [3]any{st.a, st.b, t}
	if st.blended == nil || key != st.key {
		st.blended, st.key = BlendEmbeddings(st.a, st.b, t, slerp), key
	}
	return st.blended
}

// Process implements engine.ImageStage.
func (s *Stage) Process(ctx context.Context, f *engine.Frame, p *engine.Params) (*engine.Frame, bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if p.Paused || !p.DiffusionEnabled {
		return nil, false, nil
	}
	if _, err := sched.Img2ImgStart(p.Steps, p.Strength); err != nil {
		if !s.noSteps {
			s.log.Warn("no diffusion output", "steps", p.Steps, "strength", p.Strength, "reason", err)
			s.noSteps = true
		}
		return nil, false, nil
	}
	if s.filter.Skip(f.Image) && s.last != nil {
		return &engine.Frame{Seq: f.Seq, Captured: f.Captured, Image: s.last.Image}, true, nil
	}
	pa, pb := s.prompts(p)
	cond := s.cond.get(s.cache, pa, pb, p.Blend, s.cfg.Slerp)
	if cond == nil {
		return nil, false, nil // first prompt still encoding
	}
	var neg *Embedding
	if p.Guidance > 1 && p.Negative != "" {
		nb := ""
		if p.Blend > 0 {
			nb = p.NegativeB
		}
		neg = s.neg.get(s.cache, p.Negative, nb, p.Blend, s.cfg.Slerp)
	}
	img, err := s.cfg.Pipeline.Generate(Request{
		Cond: cond, Uncond: neg, Steps: p.Steps, Strength: p.Strength,
		Seed: uint64(p.Seed), Guidance: p.Guidance, Size: s.cfg.Size,
	}, f.Image)
	if errors.Is(err, ErrNoSteps) {
		if !s.noSteps {
			s.log.Warn("no diffusion output: steps × strength < 1", "steps", p.Steps, "strength", p.Strength)
			s.noSteps = true
		}
		return nil, false, nil
	}
	s.noSteps = false
	if err != nil {
		return nil, false, err
	}
	s.last = &engine.Frame{Seq: f.Seq, Captured: f.Captured, Image: img}
	return s.last, true, nil
}

// Close stops the prompt encoder and waits for it; the pipeline stays open.
func (s *Stage) Close() error {
	s.cache.Close()
	return nil
}
