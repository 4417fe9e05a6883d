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
	Size      int                              // working size (square, multiple of 8); 0 = 512
	Encode    EncodeFunc                       // nil: Pipeline.EncodePrompt (tests inject a slow one)
	Presets   func(name string) (string, bool) // preset name → prompt; nil: presets are ignored
	Slerp     bool                             // prompt blending by slerp instead of lerp
	Similar   SimilarFilter                    // similar-frame skip; zero Threshold disables it
	CacheSize int                              // prompt embeddings kept; 0 = 32
	Logger    *slog.Logger
}

// Stage is engine.ImageStage for SDXL img2img. Each frame reads one Params snapshot;
// prompt changes are encoded in the background and the previous embedding is used
// until the new one is ready, so a frame never waits for the text encoders.
type Stage struct {
	cfg   StageConfig
	log   *slog.Logger
	cache *PromptCache

	mu       sync.Mutex
	a, b     *Embedding // last ready embeddings of the main and the blend-target prompt
	neg      *Embedding
	blendKey [3]any
	blended  *Embedding
	last     *engine.Frame
	filter   SimilarFilter
	noSteps  bool
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
	}
	for _, pr := range list {
		if _, err := s.cache.Wait(ctx, pr); err != nil {
			return err
		}
	}
	return nil
}

// prompts resolves the main and blend-target prompts from presets.
func (s *Stage) prompts(p *engine.Params) (a, b string) {
	a = p.Prompt
	if p.Preset != "" && s.cfg.Presets != nil {
		if pr, ok := s.cfg.Presets(p.Preset); ok {
			a = pr
		}
	}
	if p.PresetB != "" && p.Blend > 0 && s.cfg.Presets != nil {
		if pr, ok := s.cfg.Presets(p.PresetB); ok {
			b = pr
		}
	}
	return a, b
}

// condition returns the embedding for this frame without waiting: the newest ready
// one of each prompt, blended by p.Blend when a second preset is set.
func (s *Stage) condition(p *engine.Params) *Embedding {
	pa, pb := s.prompts(p)
	if e, ok := s.cache.Get(pa); ok {
		s.a = e
	}
	if s.a == nil {
		return nil
	}
	if pb == "" {
		return s.a
	}
	if e, ok := s.cache.Get(pb); ok {
		s.b = e
	}
	if s.b == nil {
		return s.a
	}
	key := [3]any{s.a, s.b, p.Blend}
	if s.blended == nil || key != s.blendKey {
		s.blended, s.blendKey = BlendEmbeddings(s.a, s.b, p.Blend, s.cfg.Slerp), key
	}
	return s.blended
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
	cond := s.condition(p)
	if cond == nil {
		return nil, false, nil // first prompt still encoding
	}
	var neg *Embedding
	if p.Guidance > 1 && p.Negative != "" {
		if e, ok := s.cache.Get(p.Negative); ok {
			s.neg = e
		}
		neg = s.neg
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
