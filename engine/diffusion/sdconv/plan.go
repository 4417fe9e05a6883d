package sdconv

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
)

// plan is what a conversion will build: each component's weights and config.
type plan struct {
	unet     Source
	vae      Source
	te1, te2 Source // te2 nil for SD 2.1
	unetC    UNetConfig
	vaeC     VAEConfig
	te1C     CLIPConfig
	te2C     CLIPConfig
	taesd    Source // nil unless the folder has taesd/ (AutoencoderTiny)
	taesdC   TAESDConfig
	fp16     bool
	extras   []extra
	sources  []string
	warnings []string
	closers  []func() error
}

func (p *plan) close() {
	for _, c := range p.closers {
		c()
	}
}

// fuse wraps the UNet and text encoders with the LoRAs' updates.
func (p *plan) fuse(ls []LoRA) error {
	if len(ls) == 0 {
		return nil
	}
	srcs := map[string]*Source{"unet": &p.unet, "text_encoder": &p.te1, "text_encoder_2": &p.te2}
	names := map[string][]string{}
	for comp, s := range srcs {
		if *s != nil {
			names[comp] = (*s).Names()
		}
	}
	set, closeAll, unmatched, err := loadLoRAs(ls, names)
	if err != nil {
		return err
	}
	if len(unmatched) > 0 {
		p.warnings = append(p.warnings, fmt.Sprintf("%d LoRA weights match no module of this model and were not fused (first: %s)",
			len(unmatched), unmatched[0]))
	}
	p.closers = append(p.closers, closeAll)
	for _, l := range ls {
		p.sources = append(p.sources, l.Path)
	}
	for comp, terms := range set {
		*srcs[comp] = &fused{Source: *srcs[comp], terms: terms}
	}
	return nil
}

// components lists the models to build, in Optimum's folder layout.
func (p *plan) components() []component {
	vaeFP16 := p.fp16 && !p.vaeC.ForceUpcast
	cs := []component{
		{"text_encoder", func() (*graph, error) { return buildCLIP("text_encoder", p.te1, p.te1C, p.fp16) }},
	}
	if p.te2 != nil {
		cs = append(cs, component{"text_encoder_2", func() (*graph, error) { return buildCLIP("text_encoder_2", p.te2, p.te2C, p.fp16) }})
	}
	cs = append(cs,
		component{"unet", func() (*graph, error) { return buildUNet(p.unet, p.unetC, p.fp16) }},
		component{"vae_encoder", func() (*graph, error) { return buildVAEEncoder(p.vae, p.vaeC, vaeFP16) }},
		component{"vae_decoder", func() (*graph, error) { return buildVAEDecoder(p.vae, p.vaeC, vaeFP16) }})
	if p.taesd != nil {
		cs = append(cs,
			component{"taesd_encoder", func() (*graph, error) { return buildTAESDEncoder(p.taesd, p.taesdC, p.fp16) }},
			component{"taesd_decoder", func() (*graph, error) { return buildTAESDDecoder(p.taesd, p.taesdC, p.fp16) }})
	}
	return cs
}

// diffusersUNetDefaults are UNet2DConditionModel's constructor defaults (a config.json
// lists only what differs... in practice every key, but be safe).
func diffusersUNetDefaults() UNetConfig {
	return UNetConfig{InChannels: 4, OutChannels: 4, BlockOutChannels: []int64{320, 640, 1280, 1280},
		LayersPerBlock: intList{2}, AttentionHeadDim: intList{8}, TransformerLayersPerBlock: intList{1},
		CrossAttentionDim: intList{1280}, NormNumGroups: 32, NormEps: 1e-5, FlipSinToCos: true,
		DownBlockTypes: []string{"CrossAttnDownBlock2D", "CrossAttnDownBlock2D", "CrossAttnDownBlock2D", "DownBlock2D"},
		UpBlockTypes:   []string{"UpBlock2D", "CrossAttnUpBlock2D", "CrossAttnUpBlock2D", "CrossAttnUpBlock2D"}}
}

func clipDefaults() CLIPConfig {
	return CLIPConfig{HiddenSize: 512, IntermediateSize: 2048, NumHiddenLayers: 12, NumAttentionHeads: 8, MaxPositions: 77,
		HiddenAct: "quick_gelu", LayerNormEps: 1e-5, ProjectionDim: 512, VocabSize: 49408, EOSTokenID: 49407}
}

func vaeDefaults() VAEConfig {
	return VAEConfig{InChannels: 3, OutChannels: 3, LatentChannels: 4, BlockOutChannels: []int64{64}, LayersPerBlock: 1,
		NormNumGroups: 32, ScalingFactor: 0.18215, ForceUpcast: true, UseQuantConv: true, UsePostQuantConv: true, MidBlockAttn: true}
}

// componentDir is dir/sub when it has a config.json, else base/sub when that has one, else "".
func componentDir(dir, base, sub string) string {
	for _, d := range []string{dir, base} {
		if d != "" && exists(filepath.Join(d, sub, "config.json")) {
			return filepath.Join(d, sub)
		}
	}
	return ""
}

// loadComponent reads sub's config into cfg and opens its weights (from dir, else base).
func (p *plan) loadComponent(dir, base, sub string, cfg any, outs ...string) (Source, error) {
	d := componentDir(dir, base, sub)
	if d == "" {
		return nil, nil
	}
	if err := readConfig(filepath.Join(d, "config.json"), cfg); err != nil {
		return nil, err
	}
	files, err := weightFiles(d)
	if err != nil {
		return nil, err
	}
	f, err := OpenFiles(files...)
	if err != nil {
		return nil, err
	}
	p.closers = append(p.closers, f.Close)
	p.sources = append(p.sources, files...)
	for _, o := range outs {
		p.extras = append(p.extras, extra{name: o + "/config.json", from: filepath.Join(d, "config.json")})
	}
	return f, nil
}

// planFolder plans a diffusers save_pretrained folder; with unetGiven the UNet's
// weights come from elsewhere (a UNet-only file) and only its config is read.
func planFolder(dir string, o Options, unetGiven bool) (*plan, error) {
	p := &plan{fp16: o.FP16, unetC: diffusersUNetDefaults(), vaeC: vaeDefaults(), te1C: clipDefaults(), te2C: clipDefaults(),
		taesdC: DefaultTAESD()}
	var err error
	load := func(sub string, cfg any, outs ...string) Source {
		if err != nil {
			return nil
		}
		var s Source
		s, err = p.loadComponent(dir, o.Base, sub, cfg, outs...)
		return s
	}
	if unetGiven {
		d := componentDir(dir, o.Base, "unet")
		if d == "" {
			return nil, fmt.Errorf("sdconv: %s has no unet/config.json", dir)
		}
		if err := readConfig(filepath.Join(d, "config.json"), &p.unetC); err != nil {
			return nil, err
		}
		p.extras = append(p.extras, extra{name: "unet/config.json", from: filepath.Join(d, "config.json")})
	} else {
		p.unet = load("unet", &p.unetC, "unet")
	}
	p.vae = load("vae", &p.vaeC, "vae_encoder", "vae_decoder")
	p.te1 = clipNames(load("text_encoder", &p.te1C, "text_encoder"))
	p.te2 = clipNames(load("text_encoder_2", &p.te2C, "text_encoder_2"))
	p.te2C.WithProjection = p.te2C.WithProjection || p.te2 != nil
	p.taesd = load("taesd", &p.taesdC, "taesd_encoder", "taesd_decoder")
	if err != nil {
		p.close()
		return nil, err
	}
	for sub, s := range map[string]Source{"unet": p.unet, "vae": p.vae, "text_encoder": p.te1} {
		if s == nil && !(sub == "unet" && unetGiven) {
			p.close()
			return nil, fmt.Errorf("sdconv: %s has no %s/config.json with weights (nor has --base)", dir, sub)
		}
	}
	if err := p.addShared(dir, o.Base); err != nil {
		p.close()
		return nil, err
	}
	return p, nil
}

// addShared copies tokenizers, the scheduler config and model_index.json from dir or
// base, writing a few-step Euler scheduler config when neither has one.
func (p *plan) addShared(dir, base string) error {
	for _, tok := range []string{"tokenizer", "tokenizer_2"} {
		if tok == "tokenizer_2" && p.te2 == nil {
			continue
		}
		have := false
		for _, d := range []string{dir, base} {
			if d == "" || !exists(filepath.Join(d, tok, "vocab.json")) {
				continue
			}
			ents, err := os.ReadDir(filepath.Join(d, tok))
			if err != nil {
				return fmt.Errorf("sdconv: %w", err)
			}
			for _, e := range ents {
				if e.Type().IsRegular() {
					p.extras = append(p.extras, extra{name: tok + "/" + e.Name(), from: filepath.Join(d, tok, e.Name())})
				}
			}
			have = true
			break
		}
		if !have {
			p.warnings = append(p.warnings, fmt.Sprintf("no %s/ (vocab.json, merges.txt) in the source or --base: "+
				"the folder converts, but the pipeline needs it; copy it from the model's diffusers repo", tok))
		}
	}
	found := map[string]bool{}
	for _, f := range []string{"scheduler/scheduler_config.json", "model_index.json"} {
		for _, d := range []string{dir, base} {
			if d != "" && exists(filepath.Join(d, f)) {
				p.extras = append(p.extras, extra{name: f, from: filepath.Join(d, f)})
				found[f] = true
				break
			}
		}
	}
	if !found["scheduler/scheduler_config.json"] {
		p.extras = append(p.extras, extra{name: "scheduler/scheduler_config.json", data: []byte(defaultScheduler)})
	}
	if !found["model_index.json"] {
		idx := map[string]any{"_class_name": "StableDiffusionXLImg2ImgPipeline", "_converted_by": "vivid-ml-engine " + ConverterVersion}
		if p.te2 == nil {
			idx["_class_name"] = "StableDiffusionImg2ImgPipeline"
		}
		b, _ := json.MarshalIndent(idx, "", "  ")
		p.extras = append(p.extras, extra{name: "model_index.json", data: append(b, '\n')})
	}
	return nil
}

// defaultScheduler is SDXL's scheduler with trailing spacing (what few-step checkpoints use).
const defaultScheduler = `{
  "_class_name": "EulerDiscreteScheduler",
  "beta_start": 0.00085,
  "beta_end": 0.012,
  "beta_schedule": "scaled_linear",
  "num_train_timesteps": 1000,
  "prediction_type": "epsilon",
  "steps_offset": 1,
  "timestep_spacing": "trailing"
}
`
