package sdconv

import (
	"encoding/json"
	"errors"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/vivid-ml/vivid-ml-engine/models/safetensors"
)

// writeTinyFolder writes a diffusers save_pretrained-style SDXL folder with the tiny
// configs and random weights (what TestReference reads from diffusers itself).
func writeTinyFolder(t testing.TB, dir string) {
	t.Helper()
	te2 := tinyCLIPG()
	parts := []struct {
		sub, file string
		cfg       any
		build     func(Source) (*graph, error)
	}{
		{"unet", "diffusion_pytorch_model.safetensors", tinySDXLUNet(), func(s Source) (*graph, error) { return buildUNet(s, tinySDXLUNet(), false) }},
		{"vae", "diffusion_pytorch_model.safetensors", tinyVAE(), func(s Source) (*graph, error) { return buildVAEDecoder(s, tinyVAE(), false) }},
		{"text_encoder", "model.safetensors", tinyCLIPL(), func(s Source) (*graph, error) { return buildCLIP("t", s, tinyCLIPL(), false) }},
		{"text_encoder_2", "model.safetensors", te2, func(s Source) (*graph, error) { return buildCLIP("t", s, te2, false) }},
	}
	for i, p := range parts {
		w := randomWeights(t, uint64(10+i), p.build)
		if p.sub == "vae" { // the encoder's weights too
			enc := randomWeights(t, 20, func(s Source) (*graph, error) { return buildVAEEncoder(s, tinyVAE(), false) })
			w = mergeSources(t, w, enc)
		}
		var ts []safetensors.Tensor
		for _, n := range w.Names() {
			shape, _ := w.Shape(n)
			v, err := w.Float32(n)
			if err != nil {
				t.Fatal(err)
			}
			ts = append(ts, safetensors.FromFloat32(n, safetensors.F32, shape, v))
		}
		if err := safetensors.WriteFile(filepath.Join(dir, p.sub, p.file), ts, map[string]string{"format": "pt"}); err != nil {
			t.Fatal(err)
		}
		b, _ := json.Marshal(p.cfg)
		if err := os.WriteFile(filepath.Join(dir, p.sub, "config.json"), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// mergeSources returns a Source with the names of a and b (a wins).
func mergeSources(t testing.TB, a, b *Files) *Files {
	t.Helper()
	var ts []safetensors.Tensor
	seen := map[string]bool{}
	for _, s := range []*Files{a, b} {
		for _, n := range s.Names() {
			if seen[n] {
				continue
			}
			seen[n] = true
			shape, _ := s.Shape(n)
			v, _ := s.Float32(n)
			ts = append(ts, safetensors.FromFloat32(n, safetensors.F32, shape, v))
		}
	}
	p := filepath.Join(t.TempDir(), "merged.safetensors")
	if err := safetensors.WriteFile(p, ts, nil); err != nil {
		t.Fatal(err)
	}
	f, err := OpenFiles(p)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	return f
}

func TestConvertFolder(t *testing.T) {
	src, out := t.TempDir(), t.TempDir()
	writeTinyFolder(t, src)
	var last, total int64
	res, err := Convert(src, out, Options{Progress: func(d, tot int64) { last, total = d, tot }})
	if err != nil {
		t.Fatal(err)
	}
	if last != total || total == 0 {
		t.Errorf("progress ended at %d of %d", last, total)
	}
	want := []string{"text_encoder/model.onnx", "text_encoder_2/model.onnx", "unet/model.onnx", "vae_encoder/model.onnx",
		"vae_decoder/model.onnx", "unet/config.json", "vae_decoder/config.json", "scheduler/scheduler_config.json", "model_index.json"}
	var models []string
	for _, f := range want {
		if _, err := os.Stat(filepath.Join(out, f)); err != nil {
			t.Error(err)
		}
		if filepath.Ext(f) == ".onnx" {
			models = append(models, filepath.Join(out, f))
		}
	}
	if len(res.Models) != 5 || len(res.Sources) != 4 {
		t.Errorf("result %+v", res)
	}
	if len(res.Warnings) != 2 || !strings.HasPrefix(res.Warnings[0], "no tokenizer/ (vocab.json, merges.txt)") {
		t.Errorf("warnings %q, want the two missing tokenizers", res.Warnings)
	}
	checkONNX(t, models...)
}

func TestConvertErrors(t *testing.T) {
	dir := t.TempDir()
	writeTinyFolder(t, dir)
	os.Remove(filepath.Join(dir, "unet", "diffusion_pytorch_model.safetensors"))
	bad := filepath.Join(t.TempDir(), "x.safetensors")
	safetensors.WriteFile(bad, []safetensors.Tensor{safetensors.FromFloat32("foo", safetensors.F32, []int64{1}, []float32{1})}, nil)
	unetOnly := filepath.Join(t.TempDir(), "u.safetensors")
	safetensors.WriteFile(unetOnly, []safetensors.Tensor{
		safetensors.FromFloat32("conv_in.weight", safetensors.F32, []int64{1}, []float32{1}),
		safetensors.FromFloat32("down_blocks.0.resnets.0.conv1.weight", safetensors.F32, []int64{1}, []float32{1})}, nil)
	wrong := t.TempDir() // weights of one config, config.json of another
	writeTinyFolder(t, wrong)
	os.WriteFile(filepath.Join(wrong, "text_encoder", "config.json"), []byte(`{"hidden_size": 64, "intermediate_size": 37, "num_hidden_layers": 3, "num_attention_heads": 4, "vocab_size": 1000}`), 0o644)
	for _, tc := range []struct {
		name, src string
		o         Options
		want      string
	}{
		{"config does not match the weights", wrong, Options{}, "sdconv: weights do not match the config: text_encoder: " +
			"text_model.embeddings.token_embedding.weight has shape [1000 32], want [1000 64]"},
		{"no unet weights", dir, Options{}, "sdconv: no safetensors weights in " + filepath.Join(dir, "unet") +
			" (want diffusion_pytorch_model[.fp16].safetensors or model[.fp16].safetensors)"},
		{"unknown file", bad, Options{}, "sdconv: not an SDXL, SD 2.x or UNet checkpoint this converter knows (no conditioner.embedders.1.model.ln_final.weight, cond_stage_model.model.ln_final.weight, model.diffusion_model.input_blocks.0.0.weight or conv_in.weight)"},
		{"unet-only without base", unetOnly, Options{}, "sdconv: a UNet-only file needs --base (a diffusers folder with the other components)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Convert(tc.src, t.TempDir(), tc.o)
			if err != nil && strings.Contains(err.Error(), "\n") { // a summary: the first line, then "… and N more"
				lines := strings.Split(err.Error(), "\n")
				if !strings.HasPrefix(lines[len(lines)-1], "… and ") || len(lines) != 9 {
					t.Errorf("error summary has %d lines, ends %q", len(lines), lines[len(lines)-1])
				}
				err = errors.New(lines[0])
			}
			if err == nil || err.Error() != tc.want {
				t.Fatalf("error = %v\nwant    %s", err, tc.want)
			}
		})
	}
}

// TestLoRAFuse: kohya (diffusers or SGM block names) and peft files with the same update fuse to the same weights,
// equal to W + scale·alpha/rank·up·down computed here directly (Linear and 3×3 Conv).
func TestLoRAFuse(t *testing.T) {
	dir := t.TempDir()
	writeTinyFolder(t, dir)
	base, err := OpenFiles(filepath.Join(dir, "unet", "diffusion_pytorch_model.safetensors"))
	if err != nil {
		t.Fatal(err)
	}
	defer base.Close()
	mods := []string{"down_blocks.1.attentions.0.transformer_blocks.0.attn1.to_q", "down_blocks.0.resnets.0.conv1",
		"mid_block.attentions.0.transformer_blocks.0.attn2.to_k", "add_embedding.linear_1"}
	// the same modules as kohya sd-scripts names them in SDXL's SGM layout
	sgm := []string{"input_blocks_4_1_transformer_blocks_0_attn1_to_q", "input_blocks_1_0_in_layers_2",
		"middle_block_1_transformer_blocks_0_attn2_to_k", "label_emb_0_0"}
	const rank, alpha, scale = 2, 3.0, 0.7
	var kohya, kohyaSGM, peft []safetensors.Tensor
	downs, ups := map[string][]float32{}, map[string][]float32{}
	for i, m := range mods {
		shape, _ := base.Shape(m + ".weight")
		dshape := append([]int64{rank}, shape[1:]...)
		ushape := []int64{shape[0], rank}
		if len(shape) == 4 {
			ushape = append(ushape, 1, 1)
		}
		downs[m], ups[m] = randn(uint64(30+i), numel(dshape)), randn(uint64(40+i), numel(ushape))
		k := "lora_unet_" + underscore(m)
		kohya = append(kohya, safetensors.FromFloat32(k+".lora_down.weight", safetensors.F16, dshape, downs[m]),
			safetensors.FromFloat32(k+".lora_up.weight", safetensors.F16, ushape, ups[m]),
			safetensors.FromFloat32(k+".alpha", safetensors.F32, []int64{}, []float32{alpha}))
		k = "lora_unet_" + sgm[i]
		kohyaSGM = append(kohyaSGM, safetensors.FromFloat32(k+".lora_down.weight", safetensors.F16, dshape, downs[m]),
			safetensors.FromFloat32(k+".lora_up.weight", safetensors.F16, ushape, ups[m]),
			safetensors.FromFloat32(k+".alpha", safetensors.F32, []int64{}, []float32{alpha}))
		peft = append(peft, safetensors.FromFloat32("unet."+m+".lora_A.weight", safetensors.F16, dshape, downs[m]),
			safetensors.FromFloat32("unet."+m+".lora_B.weight", safetensors.F16, ushape, ups[m]))
	}
	kp, ksp, pp := filepath.Join(dir, "kohya.safetensors"), filepath.Join(dir, "kohya-sgm.safetensors"), filepath.Join(dir, "peft.safetensors")
	for path, ts := range map[string][]safetensors.Tensor{kp: kohya, ksp: kohyaSGM, pp: peft} {
		var meta map[string]string
		if path == pp {
			meta = map[string]string{"lora_adapter_metadata": `{"r": 2, "lora_alpha": 3.0}`}
		}
		if err := safetensors.WriteFile(path, ts, meta); err != nil {
			t.Fatal(err)
		}
	}
	for _, path := range []string{kp, ksp, pp} {
		p := &plan{unet: base}
		if err := p.fuse([]LoRA{{Path: path, Scale: scale}}); err != nil {
			t.Fatal(err)
		}
		if len(p.warnings) != 0 {
			t.Errorf("%s: %q", filepath.Base(path), p.warnings)
		}
		for _, m := range mods {
			w0, _ := base.Float32(m + ".weight")
			got, err := p.unet.Float32(m + ".weight")
			if err != nil {
				t.Fatal(err)
			}
			out := int64(len(ups[m]) / rank)
			rest := int64(len(w0)) / out
			for o := range out {
				for i := range rest {
					want := float64(w0[o*rest+i])
					for r := range int64(rank) {
						want += scale * alpha / rank * viaF16(ups[m][o*rank+r]) * viaF16(downs[m][r*rest+i])
					}
					if math.Abs(float64(got[o*rest+i])-want) > 1e-5*math.Max(1, math.Abs(want)) {
						t.Fatalf("%s %s[%d,%d] = %v, want %v", filepath.Base(path), m, o, i, got[o*rest+i], want)
					}
				}
			}
		}
		p.close()
	}
	if _, err := ParseLoRA("a.safetensors:0.5"); err != nil {
		t.Error(err)
	}
	if l, _ := ParseLoRA(`C:\x.safetensors`); l.Scale != 1 || l.Path != `C:\x.safetensors` {
		t.Errorf("ParseLoRA(windows path) = %+v", l)
	}
}

func underscore(s string) string {
	b := []byte(s)
	for i, c := range b {
		if c == '.' {
			b[i] = '_'
		}
	}
	return string(b)
}

// viaF16 rounds through float16 (the LoRA files above store F16).
func viaF16(v float32) float64 {
	d, _ := safetensors.Decode(safetensors.F16, safetensors.FromFloat32("", safetensors.F16, []int64{1}, []float32{v}).Data)
	return float64(d[0])
}

func TestSGMKeys(t *testing.T) {
	for _, tc := range []struct{ sgm, want string }{
		{"time_embed.0.weight", "time_embedding.linear_1.weight"},
		{"label_emb.0.2.bias", "add_embedding.linear_2.bias"},
		{"input_blocks.0.0.weight", "conv_in.weight"},
		{"input_blocks.1.0.in_layers.0.weight", "down_blocks.0.resnets.0.norm1.weight"},
		{"input_blocks.3.0.op.weight", "down_blocks.0.downsamplers.0.conv.weight"},
		{"input_blocks.4.0.skip_connection.weight", "down_blocks.1.resnets.0.conv_shortcut.weight"},
		{"input_blocks.4.1.transformer_blocks.0.attn1.to_q.weight", "down_blocks.1.attentions.0.transformer_blocks.0.attn1.to_q.weight"},
		{"input_blocks.8.1.proj_in.weight", "down_blocks.2.attentions.1.proj_in.weight"},
		{"middle_block.0.emb_layers.1.weight", "mid_block.resnets.0.time_emb_proj.weight"},
		{"middle_block.1.norm.weight", "mid_block.attentions.0.norm.weight"},
		{"middle_block.2.out_layers.3.bias", "mid_block.resnets.1.conv2.bias"},
		{"output_blocks.2.1.transformer_blocks.9.ff.net.2.weight", "up_blocks.0.attentions.2.transformer_blocks.9.ff.net.2.weight"},
		{"output_blocks.2.2.conv.weight", "up_blocks.0.upsamplers.0.conv.weight"},
		{"output_blocks.5.2.conv.bias", "up_blocks.1.upsamplers.0.conv.bias"},
		{"output_blocks.8.0.out_layers.0.weight", "up_blocks.2.resnets.2.norm2.weight"},
		{"out.2.weight", "conv_out.weight"},
	} {
		if got, err := unetKey(tc.sgm, 2); err != nil || got != tc.want {
			t.Errorf("unet %s → %q, %v; want %s", tc.sgm, got, err, tc.want)
		}
	}
	for _, tc := range []struct{ sgm, want string }{
		{"encoder.down.1.block.0.nin_shortcut.weight", "encoder.down_blocks.1.resnets.0.conv_shortcut.weight"},
		{"encoder.down.0.downsample.conv.bias", "encoder.down_blocks.0.downsamplers.0.conv.bias"},
		{"encoder.mid.attn_1.proj_out.weight", "encoder.mid_block.attentions.0.to_out.0.weight"},
		{"decoder.mid.attn_1.norm.bias", "decoder.mid_block.attentions.0.group_norm.bias"},
		{"decoder.mid.block_2.conv1.weight", "decoder.mid_block.resnets.1.conv1.weight"},
		{"decoder.up.3.upsample.conv.weight", "decoder.up_blocks.0.upsamplers.0.conv.weight"},
		{"decoder.up.0.block.2.norm2.weight", "decoder.up_blocks.3.resnets.2.norm2.weight"},
		{"decoder.norm_out.weight", "decoder.conv_norm_out.weight"},
		{"post_quant_conv.weight", "post_quant_conv.weight"},
	} {
		if got, err := vaeKey(tc.sgm, 4); err != nil || got != tc.want {
			t.Errorf("vae %s → %q, %v; want %s", tc.sgm, got, err, tc.want)
		}
	}
	if got := sgmToDiffusersUnderscored("input_blocks_4_1_transformer_blocks_0_attn1_to_q"); got != "down_blocks_1_attentions_0_transformer_blocks_0_attn1_to_q" {
		t.Errorf("kohya SGM name → %s", got)
	}
	for _, tc := range []struct{ kohya, want string }{
		{"output_blocks_0_0_in_layers_2", "up_blocks_0_resnets_0_conv1"},
		{"input_blocks_4_0_skip_connection", "down_blocks_1_resnets_0_conv_shortcut"},
		{"input_blocks_4_0_emb_layers_1", "down_blocks_1_resnets_0_time_emb_proj"},
		{"input_blocks_3_0_op", "down_blocks_0_downsamplers_0_conv"},
		{"output_blocks_2_1_transformer_blocks_0_attn1_to_out_0", "up_blocks_0_attentions_2_transformer_blocks_0_attn1_to_out_0"},
		{"output_blocks_2_2_conv", "up_blocks_0_upsamplers_0_conv"},
		{"middle_block_0_in_layers_2", "mid_block_resnets_0_conv1"},
		{"middle_block_1_transformer_blocks_0_attn2_to_k", "mid_block_attentions_0_transformer_blocks_0_attn2_to_k"},
		{"middle_block_1_proj_out", "mid_block_attentions_0_proj_out"},
		{"middle_block_2_emb_layers_1", "mid_block_resnets_1_time_emb_proj"},
		{"time_embed_2", "time_embedding_linear_2"},
		{"label_emb_0_0", "add_embedding_linear_1"},
		{"out_2", "conv_out"},
		{"down_blocks_1_attentions_0_proj_in", "down_blocks_1_attentions_0_proj_in"}, // diffusers names pass
	} {
		if got := sgmToDiffusersUnderscored(tc.kohya); got != tc.want {
			t.Errorf("kohya SGM name %s → %s, want %s", tc.kohya, got, tc.want)
		}
	}
}

// TestLoRATextEncoder: a kohya lora_te1_ update lands in text_encoder's weight.
func TestLoRATextEncoder(t *testing.T) {
	dir := t.TempDir()
	writeTinyFolder(t, dir)
	te, err := OpenFiles(filepath.Join(dir, "text_encoder", "model.safetensors"))
	if err != nil {
		t.Fatal(err)
	}
	defer te.Close()
	const name = "text_model.encoder.layers.1.self_attn.q_proj"
	down, up := []float32{1, 0}, []float32{2}
	shape, _ := te.Shape(name + ".weight") // [32,32]
	d := make([]float32, shape[1])
	copy(d, down)
	u := make([]float32, shape[0])
	u[3] = up[0]
	k := "lora_te1_" + underscore(name)
	lp := filepath.Join(dir, "te.safetensors")
	safetensors.WriteFile(lp, []safetensors.Tensor{
		safetensors.FromFloat32(k+".lora_down.weight", safetensors.F32, []int64{1, shape[1]}, d),
		safetensors.FromFloat32(k+".lora_up.weight", safetensors.F32, []int64{shape[0], 1}, u)}, nil)
	p := &plan{te1: te}
	if err := p.fuse([]LoRA{{Path: lp, Scale: 0.5}}); err != nil {
		t.Fatal(err)
	}
	defer p.close()
	w0, _ := te.Float32(name + ".weight")
	w1, err := p.te1.Float32(name + ".weight")
	if err != nil {
		t.Fatal(err)
	}
	for i := range w0 {
		want := w0[i]
		if i == 3*int(shape[1]) { // row 3, column 0: 0.5 · (alpha = rank = 1) · 2 · 1
			want++
		}
		if w1[i] != want {
			t.Fatalf("weight[%d] = %v, want %v", i, w1[i], want)
		}
	}
}

// TestLoRAUnsupported: LyCORIS weights are refused; weights for modules the model
// lacks are reported, not silently dropped.
func TestLoRAUnsupported(t *testing.T) {
	dir := t.TempDir()
	writeTinyFolder(t, dir)
	one := func(name string) safetensors.Tensor {
		return safetensors.FromFloat32(name, safetensors.F32, []int64{1, 1}, []float32{1})
	}
	loha := filepath.Join(dir, "loha.safetensors")
	safetensors.WriteFile(loha, []safetensors.Tensor{one("lora_unet_conv_in.hada_w1_a")}, nil)
	if _, err := Convert(dir, t.TempDir(), Options{LoRAs: []LoRA{{loha, 1}}, Parts: []string{"unet"}}); err == nil ||
		!strings.Contains(err.Error(), "is a LyCORIS/DoRA weight (hada_w1); only plain LoRA (up·down) is supported") {
		t.Errorf("LoHa: %v", err)
	}
	shape := []int64{2, 32} // a rank-2 update of time_embedding.linear_1 ([128,32])
	mixed := filepath.Join(dir, "mixed.safetensors")
	safetensors.WriteFile(mixed, []safetensors.Tensor{
		safetensors.FromFloat32("lora_unet_time_embedding_linear_1.lora_down.weight", safetensors.F32, shape, make([]float32, 64)),
		safetensors.FromFloat32("lora_unet_time_embedding_linear_1.lora_up.weight", safetensors.F32, []int64{128, 2}, make([]float32, 256)),
		one("lora_unet_no_such_module.lora_down.weight"), one("lora_unet_no_such_module.lora_up.weight")}, nil)
	res, err := Convert(dir, t.TempDir(), Options{LoRAs: []LoRA{{mixed, 1}}, Parts: []string{"unet"}})
	if err != nil {
		t.Fatal(err)
	}
	want := "1 LoRA weights match no module of this model and were not fused (first: lora_unet_no_such_module.lora_down.weight)"
	if !slices.Contains(res.Warnings, want) {
		t.Errorf("warnings %q, want %q", res.Warnings, want)
	}
}
