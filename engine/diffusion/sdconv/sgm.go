package sdconv

import (
	"fmt"
	"strconv"
	"strings"
)

// Key maps from the original Stability (SGM / ldm) single-file checkpoints to
// diffusers names, following diffusers' loaders/single_file_utils.py
// (convert_ldm_unet_checkpoint, convert_ldm_vae_checkpoint, convert_ldm_clip_checkpoint,
// convert_open_clip_checkpoint).

// Prefixes of the parts of a single-file checkpoint.
const (
	SGMUNet       = "model.diffusion_model."
	SGMVAE        = "first_stage_model."
	SGMCLIPL      = "conditioner.embedders.0.transformer." // SDXL text_encoder
	SGMOpenCLIPG  = "conditioner.embedders.1.model."       // SDXL text_encoder_2
	LDMCLIPL      = "cond_stage_model.transformer."        // SD 1.x text encoder
	LDMOpenCLIPH  = "cond_stage_model.model."              // SD 2.x text encoder
	sgmOpenCLIPLN = "ln_final.weight"
)

var resnetLDM = strings.NewReplacer("in_layers.0", "norm1", "in_layers.2", "conv1", "out_layers.0", "norm2",
	"out_layers.3", "conv2", "emb_layers.1", "time_emb_proj", "skip_connection", "conv_shortcut")

var unetTop = map[string]string{
	"time_embed.0": "time_embedding.linear_1", "time_embed.2": "time_embedding.linear_2",
	"input_blocks.0.0": "conv_in", "out.0": "conv_norm_out", "out.2": "conv_out",
	"label_emb.0.0": "add_embedding.linear_1", "label_emb.0.2": "add_embedding.linear_2",
}

// sgmUNet maps the UNet under prefix; layers is layers_per_block.
func sgmUNet(src Source, prefix string, layers int64) (*mapped, error) {
	m := &mapped{src: src, m: map[string]mapping{}}
	for _, full := range src.Names() {
		k, ok := strings.CutPrefix(full, prefix)
		if !ok {
			continue
		}
		d, err := unetKey(k, layers)
		if err != nil {
			return nil, err
		}
		m.m[d] = mapping{from: full}
	}
	return m, nil
}

func unetKey(k string, lpb int64) (string, error) {
	for old, nw := range unetTop {
		if rest, ok := strings.CutPrefix(k, old+"."); ok {
			return nw + "." + rest, nil
		}
	}
	if mid, ok := strings.CutPrefix(k, "middle_block."); ok {
		idx, rest, _ := strings.Cut(mid, ".")
		switch idx {
		case "0", "2":
			return fmt.Sprintf("mid_block.resnets.%s.%s", map[string]string{"0": "0", "2": "1"}[idx], resnetLDM.Replace(rest)), nil
		case "1":
			return "mid_block.attentions.0." + rest, nil
		}
		return "", fmt.Errorf("%w: unknown UNet key %q", ErrWeights, k)
	}
	p := strings.SplitN(k, ".", 4)
	if len(p) < 4 {
		return "", fmt.Errorf("%w: unknown UNet key %q", ErrWeights, k)
	}
	i, err1 := strconv.ParseInt(p[1], 10, 64)
	s, err2 := strconv.Atoi(p[2])
	if err1 != nil || err2 != nil {
		return "", fmt.Errorf("%w: unknown UNet key %q", ErrWeights, k)
	}
	rest := p[3]
	switch p[0] {
	case "input_blocks":
		b, l := (i-1)/(lpb+1), (i-1)%(lpb+1)
		switch {
		case s == 0 && strings.HasPrefix(rest, "op."):
			return fmt.Sprintf("down_blocks.%d.downsamplers.0.conv.%s", b, rest[3:]), nil
		case s == 0:
			return fmt.Sprintf("down_blocks.%d.resnets.%d.%s", b, l, resnetLDM.Replace(rest)), nil
		case s == 1:
			return fmt.Sprintf("down_blocks.%d.attentions.%d.%s", b, l, rest), nil
		}
	case "output_blocks":
		b, l := i/(lpb+1), i%(lpb+1)
		switch {
		case s == 0:
			return fmt.Sprintf("up_blocks.%d.resnets.%d.%s", b, l, resnetLDM.Replace(rest)), nil
		case (s == 1 || s == 2) && strings.HasPrefix(rest, "conv."):
			return fmt.Sprintf("up_blocks.%d.upsamplers.0.conv.%s", b, rest[5:]), nil
		case s == 1:
			return fmt.Sprintf("up_blocks.%d.attentions.%d.%s", b, l, rest), nil
		}
	}
	return "", fmt.Errorf("%w: unknown UNet key %q", ErrWeights, k)
}

var vaeTop = map[string]string{"encoder.norm_out": "encoder.conv_norm_out", "decoder.norm_out": "decoder.conv_norm_out"}

var vaeAttn = strings.NewReplacer("norm.", "group_norm.", "q.", "to_q.", "k.", "to_k.", "v.", "to_v.", "proj_out.", "to_out.0.")

// sgmVAE maps the VAE under prefix; blocks is len(block_out_channels).
func sgmVAE(src Source, prefix string, blocks int) (*mapped, error) {
	m := &mapped{src: src, m: map[string]mapping{}}
	for _, full := range src.Names() {
		k, ok := strings.CutPrefix(full, prefix)
		if !ok || strings.HasPrefix(k, "loss.") { // training-only discriminator weights in some ldm files
			continue
		}
		d, err := vaeKey(k, blocks)
		if err != nil {
			return nil, err
		}
		m.m[d] = mapping{from: full}
	}
	return m, nil
}

func vaeKey(k string, n int) (string, error) {
	side, rest, _ := strings.Cut(k, ".")
	if side != "encoder" && side != "decoder" {
		if strings.HasPrefix(k, "quant_conv.") || strings.HasPrefix(k, "post_quant_conv.") {
			return k, nil
		}
		return "", fmt.Errorf("%w: unknown VAE key %q", ErrWeights, k)
	}
	for old, nw := range vaeTop {
		if r, ok := strings.CutPrefix(k, old+"."); ok {
			return nw + "." + r, nil
		}
	}
	p := strings.Split(rest, ".")
	switch {
	case p[0] == "conv_in" || p[0] == "conv_out":
		return k, nil
	case len(p) < 3:
	case p[0] == "mid" && strings.HasPrefix(p[1], "block_"):
		j, err := strconv.Atoi(strings.TrimPrefix(p[1], "block_"))
		if err == nil && j >= 1 {
			return fmt.Sprintf("%s.mid_block.resnets.%d.%s", side, j-1, shortcut(strings.Join(p[2:], "."))), nil
		}
	case p[0] == "mid" && p[1] == "attn_1":
		return side + ".mid_block.attentions.0." + strings.TrimSuffix(vaeAttn.Replace(strings.Join(p[2:], ".")+"."), "."), nil
	case (p[0] == "down" || p[0] == "up") && len(p) > 3:
		i, err := strconv.Atoi(p[1])
		if err != nil {
			break
		}
		kind, blocks := "down_blocks", i
		if p[0] == "up" {
			kind, blocks = "up_blocks", n-1-i
		}
		switch p[2] {
		case "block":
			return fmt.Sprintf("%s.%s.%d.resnets.%s", side, kind, blocks, shortcut(strings.Join(p[3:], "."))), nil
		case "downsample", "upsample":
			return fmt.Sprintf("%s.%s.%d.%ssamplers.0.%s", side, kind, blocks, p[2][:len(p[2])-6], strings.Join(p[3:], ".")), nil
		}
	}
	return "", fmt.Errorf("%w: unknown VAE key %q", ErrWeights, k)
}

func shortcut(s string) string { return strings.Replace(s, "nin_shortcut", "conv_shortcut", 1) }

// sgmCLIP maps an OpenAI CLIP text tower stored with transformers' names under prefix.
func sgmCLIP(src Source, prefix string) *mapped {
	m := &mapped{src: src, m: map[string]mapping{}}
	for _, full := range src.Names() {
		if k, ok := strings.CutPrefix(full, prefix); ok && !strings.HasSuffix(k, "position_ids") {
			m.m[k] = mapping{from: full}
		}
	}
	return m
}

var openCLIPLayer = strings.NewReplacer("ln_1", "layer_norm1", "ln_2", "layer_norm2", "mlp.c_fc", "mlp.fc1",
	"mlp.c_proj", "mlp.fc2", "attn.out_proj", "self_attn.out_proj")

// sgmOpenCLIP maps an OpenCLIP text tower under prefix to transformers' CLIP names:
// in_proj splits into q/k/v, text_projection is transposed, and resblocks past layers
// (SD 2's unused 24th) are dropped.
func sgmOpenCLIP(src Source, prefix string, width, layers int64) (*mapped, error) {
	m := &mapped{src: src, m: map[string]mapping{}}
	for _, full := range src.Names() {
		k, ok := strings.CutPrefix(full, prefix)
		if !ok {
			continue
		}
		switch {
		case k == "positional_embedding":
			m.m["text_model.embeddings.position_embedding.weight"] = mapping{from: full}
		case k == "token_embedding.weight":
			m.m["text_model.embeddings.token_embedding.weight"] = mapping{from: full}
		case strings.HasPrefix(k, "ln_final."):
			m.m["text_model.final_layer_norm."+k[len("ln_final."):]] = mapping{from: full}
		case k == "text_projection":
			m.m["text_projection.weight"] = mapping{from: full, transpose: true}
		case strings.HasPrefix(k, "transformer.resblocks."):
			p := strings.SplitN(k[len("transformer.resblocks."):], ".", 2)
			n, err := strconv.ParseInt(p[0], 10, 64)
			if err != nil || len(p) != 2 {
				return nil, fmt.Errorf("%w: unknown OpenCLIP key %q", ErrWeights, full)
			}
			if n >= layers {
				continue
			}
			base := fmt.Sprintf("text_model.encoder.layers.%d.", n)
			if kind, ok := strings.CutPrefix(p[1], "attn.in_proj_"); ok {
				for i, qkv := range []string{"q_proj", "k_proj", "v_proj"} {
					m.m[base+"self_attn."+qkv+"."+kind] = mapping{from: full, lo: int64(i) * width, hi: int64(i+1) * width}
				}
				continue
			}
			m.m[base+openCLIPLayer.Replace(p[1])] = mapping{from: full}
		case k == "logit_scale" || strings.HasPrefix(k, "visual."):
		default:
			return nil, fmt.Errorf("%w: unknown OpenCLIP key %q", ErrWeights, full)
		}
	}
	return m, nil
}
