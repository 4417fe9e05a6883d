package sdconv

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/vivid-ml/vivid-ml-engine/models/safetensors"
)

// LoRA fusing: W += scale·(alpha/rank)·up·down for Linear and Conv2d weights (the
// update diffusers' fuse_lora applies through peft's LoraLayer.merge). Two formats:
// kohya (lora_unet_… / lora_te1_… / lora_te2_…, .lora_down/.lora_up.weight, .alpha;
// module names with diffusers or SGM block names) and diffusers/peft (…lora_A/lora_B.weight,
// optional unet./text_encoder./text_encoder_2. prefix, alpha from the
// lora_adapter_metadata that diffusers' save_lora_adapter writes; rank when absent).

// LoRA is one LoRA file fused with a scale.
type LoRA struct {
	Path  string  `json:"path"`
	Scale float64 `json:"scale"`
}

// ParseLoRA parses a --lora value FILE[:SCALE] (scale 1 when absent).
func ParseLoRA(s string) (LoRA, error) {
	if i := strings.LastIndexByte(s, ':'); i > 0 {
		if f, err := strconv.ParseFloat(s[i+1:], 64); err == nil {
			return LoRA{Path: s[:i], Scale: f}, nil
		}
	}
	if s == "" {
		return LoRA{}, fmt.Errorf("sdconv: empty --lora value (want FILE[:SCALE])")
	}
	return LoRA{Path: s, Scale: 1}, nil
}

// loraTerm is one low-rank update of one weight.
type loraTerm struct {
	f          *safetensors.File
	down, up   string
	alpha      float64 // 0: rank
	scale      float64
	moduleName string
}

// loraSet holds the updates of every component, by component and weight name.
type loraSet map[string]map[string][]loraTerm

var peftKey = regexp.MustCompile(`^(?:base_model\.model\.)?(?:(unet|text_encoder|text_encoder_2)\.)?(.+)\.(?:lora_A|lora\.down|lora_linear_layer\.down|lora_down)\.weight$`)
var kohyaKey = regexp.MustCompile(`^lora_(unet|te|te1|te2)_(.+)\.lora_down\.weight$`)

// unsupportedLoRA are key parts of LoRA variants whose update is not up·down.
var unsupportedLoRA = []string{"lora_mid", "hada_w1", "lokr_w1", "lora_magnitude_vector", "dora_scale"}

// loadLoRAs reads the files, mapping kohya module names to weight names per component
// (names: each component's weight names). unmatched lists down weights that match no
// module of the model.
func loadLoRAs(ls []LoRA, names map[string][]string) (set loraSet, closeAll func() error, unmatched []string, err error) {
	set = loraSet{}
	var files []*safetensors.File
	closeAll = func() error {
		for _, f := range files {
			f.Close()
		}
		return nil
	}
	index := map[string]map[string]string{} // component → underscored module → module
	for comp, ns := range names {
		ix := map[string]string{}
		for _, n := range ns {
			if mod, ok := strings.CutSuffix(n, ".weight"); ok {
				ix[strings.ReplaceAll(mod, ".", "_")] = mod
			}
		}
		index[comp] = ix
	}
	for _, l := range ls {
		f, err := safetensors.Open(l.Path)
		if err != nil {
			closeAll()
			return nil, nil, nil, fmt.Errorf("sdconv: lora: %w", err)
		}
		files = append(files, f)
		meta := peftMeta(f)
		n := 0
		for _, t := range f.Tensors {
			for _, u := range unsupportedLoRA {
				if strings.Contains(t.Name, u) {
					closeAll()
					return nil, nil, nil, fmt.Errorf("sdconv: lora %s: %s is a LyCORIS/DoRA weight (%s); only plain LoRA (up·down) is supported", l.Path, t.Name, u)
				}
			}
			comp, mod, up, alphaKey, ok := parseLoRAKey(t.Name, index)
			if !ok {
				if isDownKey(t.Name) {
					unmatched = append(unmatched, t.Name)
				}
				continue
			}
			if _, has := f.Info(up); !has {
				closeAll()
				return nil, nil, nil, fmt.Errorf("sdconv: lora %s: %s has no matching up weight %s", l.Path, t.Name, up)
			}
			term := loraTerm{f: f, down: t.Name, up: up, scale: l.Scale, moduleName: mod}
			if alphaKey != "" {
				if a, err := f.Float32(alphaKey); err == nil && len(a) == 1 {
					term.alpha = float64(a[0])
				}
			} else {
				term.alpha = meta.alphaFor(mod)
			}
			if set[comp] == nil {
				set[comp] = map[string][]loraTerm{}
			}
			set[comp][mod+".weight"] = append(set[comp][mod+".weight"], term)
			n++
		}
		if n == 0 {
			closeAll()
			return nil, nil, nil, fmt.Errorf("sdconv: lora %s: no LoRA weights this converter knows (kohya lora_unet_/lora_te*_ or peft lora_A/lora_B names matching the model)", l.Path)
		}
	}
	return set, closeAll, unmatched, nil
}

// isDownKey reports whether k looks like a LoRA down weight in any known format.
func isDownKey(k string) bool {
	return strings.HasSuffix(k, ".lora_down.weight") || strings.HasSuffix(k, ".lora_A.weight") ||
		strings.HasSuffix(k, ".lora.down.weight") || strings.HasSuffix(k, ".lora_linear_layer.down.weight")
}

// parseLoRAKey recognises a down weight and names its component, module, up weight and alpha.
func parseLoRAKey(k string, index map[string]map[string]string) (comp, mod, up, alpha string, ok bool) {
	if m := kohyaKey.FindStringSubmatch(k); m != nil {
		comp = map[string]string{"unet": "unet", "te": "text_encoder", "te1": "text_encoder", "te2": "text_encoder_2"}[m[1]]
		base := strings.TrimSuffix(k, ".lora_down.weight")
		name := m[2]
		if comp == "unet" {
			name = sgmToDiffusersUnderscored(name)
		}
		mod, ok = index[comp][name]
		return comp, mod, base + ".lora_up.weight", base + ".alpha", ok
	}
	if m := peftKey.FindStringSubmatch(k); m != nil {
		comp = m[1]
		if comp == "" {
			comp = "unet"
		}
		upKey := strings.NewReplacer(".lora_A.", ".lora_B.", ".lora.down.", ".lora.up.",
			".lora_linear_layer.down.", ".lora_linear_layer.up.", ".lora_down.", ".lora_up.").Replace(k)
		mod = m[2]
		_, ok = index[comp][strings.ReplaceAll(mod, ".", "_")]
		alphaKey := ""
		if strings.Contains(k, ".lora_down.") {
			alphaKey = strings.TrimSuffix(k, ".lora_down.weight") + ".alpha"
		}
		return comp, mod, upKey, alphaKey, ok
	}
	return "", "", "", "", false
}

var sgmBlock = regexp.MustCompile(`^(input_blocks|output_blocks)_(\d+)_(\d+)_(.+)$`)
var sgmMid = regexp.MustCompile(`^middle_block_(\d+)_(.+)$`)
var sgmTop = regexp.MustCompile(`^(time_embed|label_emb_0|out)_(\d+)$`)

// sgmResnetParts restores the dots inside ldm resnet names that kohya's underscores hide.
var sgmResnetParts = strings.NewReplacer("in_layers_0", "in_layers.0", "in_layers_2", "in_layers.2", "out_layers_0", "out_layers.0",
	"out_layers_3", "out_layers.3", "emb_layers_1", "emb_layers.1")

// sgmToDiffusersUnderscored turns a kohya module name with SGM block names
// (input_blocks_4_1_transformer_blocks_0_attn1_to_q, middle_block_1_…, label_emb_0_0)
// into diffusers' underscored name (down_blocks_1_attentions_0_transformer_blocks_0_attn1_to_q);
// other names pass.
func sgmToDiffusersUnderscored(name string) string {
	under := func(s string) string { return strings.ReplaceAll(s, ".", "_") }
	// SDXL's (and SD 2.x's) layers_per_block is 2 for every SGM-named LoRA there is (kohya sd-scripts).
	const lpb = 2
	var key string
	if m := sgmTop.FindStringSubmatch(name); m != nil {
		top := map[string]string{"time_embed": "time_embed", "label_emb_0": "label_emb.0", "out": "out"}[m[1]]
		key = top + "." + m[2]
	} else if m := sgmMid.FindStringSubmatch(name); m != nil {
		key = "middle_block." + m[1] + "." + sgmResnetParts.Replace(m[2])
	} else if m := sgmBlock.FindStringSubmatch(name); m != nil {
		key = fmt.Sprintf("%s.%s.%s.%s", m[1], m[2], m[3], sgmResnetParts.Replace(m[4]))
	} else {
		return name
	}
	d, err := unetKey(key+".weight", lpb)
	if err != nil {
		return name
	}
	return under(strings.TrimSuffix(d, ".weight"))
}

// peftMeta is diffusers' lora_adapter_metadata (peft LoraConfig.to_dict()).
type peftMetaT struct {
	R            float64            `json:"r"`
	LoraAlpha    float64            `json:"lora_alpha"`
	AlphaPattern map[string]float64 `json:"alpha_pattern"`
}

func peftMeta(f *safetensors.File) peftMetaT {
	var m peftMetaT
	if s, ok := f.Metadata["lora_adapter_metadata"]; ok {
		_ = json.Unmarshal([]byte(s), &m)
	}
	return m
}

// alphaFor is the module's alpha (0 when the file does not say: alpha = rank).
func (m peftMetaT) alphaFor(mod string) float64 {
	for pat, a := range m.AlphaPattern {
		if strings.HasSuffix(mod, pat) {
			return a
		}
	}
	return m.LoraAlpha
}

// fused is a Source with LoRA updates added to its weights.
type fused struct {
	Source
	terms map[string][]loraTerm
}

func (s *fused) Float32(name string) ([]float32, error) {
	w, err := s.Source.Float32(name)
	if err != nil || len(s.terms[name]) == 0 {
		return w, err
	}
	shape, _ := s.Source.Shape(name)
	for _, t := range s.terms[name] {
		if err := t.apply(w, shape); err != nil {
			return nil, err
		}
	}
	return w, nil
}

// apply adds the update to w (shape [out,in] or [out,in,kh,kw]).
func (t loraTerm) apply(w []float32, shape []int64) error {
	di, _ := t.f.Info(t.down)
	ui, _ := t.f.Info(t.up)
	if len(di.Shape) < 2 || len(ui.Shape) < 2 || len(shape) < 2 {
		return fmt.Errorf("%w: lora %s: bad shapes %v, %v for %v", ErrWeights, t.moduleName, di.Shape, ui.Shape, shape)
	}
	rank, rest := di.Shape[0], numel(di.Shape[1:])
	out := ui.Shape[0]
	if ui.Shape[1] != rank || numel(ui.Shape[2:]) != 1 || out != shape[0] || rest != numel(shape[1:]) {
		return fmt.Errorf("%w: lora %s: down %v and up %v do not fit the weight %v", ErrWeights, t.moduleName, di.Shape, ui.Shape, shape)
	}
	down, err := t.f.Float32(t.down)
	if err != nil {
		return err
	}
	up, err := t.f.Float32(t.up)
	if err != nil {
		return err
	}
	alpha := t.alpha
	if alpha == 0 {
		alpha = float64(rank)
	}
	k := float32(t.scale * alpha / float64(rank))
	for o := range out {
		row := w[o*rest : (o+1)*rest]
		for r := range rank {
			c := k * up[o*rank+r]
			if c == 0 {
				continue
			}
			d := down[r*rest : (r+1)*rest]
			for i := range row {
				row[i] += c * d[i]
			}
		}
	}
	return nil
}
