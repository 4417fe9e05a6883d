package sdconv

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// refDir holds what scripts/gpu/diffusers_safetensors.py wrote with diffusers,
// transformers and peft (tiny configs, random weights): save_pretrained folders,
// single files, LoRAs and every module's outputs on fixed inputs (refs/).
const refDir = "testdata/diffusers"

// refCase compares one converted model with diffusers' outputs: in and out map the
// model's input/output names to tensor names in the ref file.
type refCase struct {
	model, ref string
	in, out    map[string]string
}

func textCase(model, ref string, projection bool, layers int) refCase {
	out := map[string]string{"last_hidden_state": "last_hidden_state"}
	if projection {
		out["text_embeds"] = "text_embeds"
	} else {
		out["pooler_output"] = "pooler_output"
	}
	for i := 0; i <= layers; i++ {
		n := "hidden_states." + string(rune('0'+i))
		out[n] = n
	}
	return refCase{model, ref, map[string]string{"input_ids": "input_ids"}, out}
}

func vaeCases(ref string) []refCase {
	return []refCase{
		{"vae_encoder", ref, map[string]string{"sample": "sample"}, map[string]string{"latent_parameters": "latent_parameters"}},
		{"vae_decoder", ref, map[string]string{"latent_sample": "latent_sample"}, map[string]string{"sample": "decoded"}},
	}
}

func unetCase(ref string, sdxl bool) refCase {
	in := map[string]string{"sample": "sample", "timestep": "timestep", "encoder_hidden_states": "encoder_hidden_states"}
	if sdxl {
		in["text_embeds"], in["time_ids"] = "text_embeds", "time_ids"
	}
	return refCase{"unet", ref, in, map[string]string{"out_sample": "out_sample"}}
}

func sdxlCases() []refCase {
	return append([]refCase{textCase("text_encoder", "sdxl-text_encoder", false, 3),
		textCase("text_encoder_2", "sdxl-text_encoder_2", true, 3), unetCase("sdxl-unet", true)}, vaeCases("sdxl-vae")...)
}

func sd21Cases() []refCase {
	return append([]refCase{textCase("text_encoder", "sd21-text_encoder", false, 3), unetCase("sd21-unet", false)}, vaeCases("sd21-vae")...)
}

// TestReference converts diffusers' own files (folder, single file, UNet-only file,
// LoRAs) and checks every module against diffusers' outputs: fp32 within 1e-4
// relative to the output's largest magnitude, fp16 within 1e-2.
func TestReference(t *testing.T) {
	if _, err := os.Stat(filepath.Join(refDir, "refs")); err != nil {
		t.Skipf("no diffusers reference files in %s: %v", refDir, err)
	}
	d := func(p string) string { return filepath.Join(refDir, p) }
	singles := t.TempDir()
	for _, n := range []string{"sdxl-single.safetensors", "sd21-single.safetensors"} {
		rebuildSingle(t, d(n+".recipe.json"), filepath.Join(singles, n))
	}
	taesd := []refCase{
		{"taesd_encoder", "sdxl-taesd", map[string]string{"sample": "sample"}, map[string]string{"latent_sample": "latent_sample_enc"}},
		{"taesd_decoder", "sdxl-taesd", map[string]string{"latent_sample": "latent_sample"}, map[string]string{"sample": "decoded"}},
	}
	lora := []refCase{unetCase("sdxl-unet-lora0.7", true)}
	unetOnly := []string{"unet"}
	for _, tc := range []struct {
		name, src string
		o         Options
		cases     []refCase
		tol       float64
	}{
		{"sdxl folder", d("sdxl"), Options{}, append(sdxlCases(), taesd...), 1e-4},
		{"sdxl single file", filepath.Join(singles, "sdxl-single.safetensors"), Options{Base: d("sdxl")}, sdxlCases(), 1e-4},
		{"sdxl unet-only file", d("sdxl/unet/diffusion_pytorch_model.safetensors"), Options{Base: d("sdxl"), Parts: []string{"unet"}},
			[]refCase{unetCase("sdxl-unet", true)}, 1e-4},
		{"sd21 folder", d("sd21"), Options{}, sd21Cases(), 1e-4},
		{"sd21 single file", filepath.Join(singles, "sd21-single.safetensors"), Options{Base: d("sd21")}, sd21Cases(), 1e-4},
		{"peft lora", d("sdxl"), Options{LoRAs: []LoRA{{d("lora/peft.safetensors"), 0.7}}, Parts: unetOnly}, lora, 1e-4},
		{"kohya lora", d("sdxl"), Options{LoRAs: []LoRA{{d("lora/kohya.safetensors"), 0.7}}, Parts: unetOnly}, lora, 1e-4},
		// pipeline.safetensors has the same update with unet. names and no alpha metadata, so alpha = rank:
		// scale 1.4 = 0.7·(alpha 8 / rank 4) gives the same fused UNet.
		{"diffusers pipeline lora", d("sdxl"), Options{LoRAs: []LoRA{{d("lora/pipeline.safetensors"), 1.4}}, Parts: unetOnly}, lora, 1e-4},
		{"sdxl fp16", d("sdxl"), Options{FP16: true, Parts: []string{"unet", "text_encoder_2"}}, []refCase{unetCase("sdxl-unet", true),
			textCase("text_encoder_2", "sdxl-text_encoder_2", true, 3)}, 1e-2},
	} {
		t.Run(strings.ReplaceAll(tc.name, " ", "_"), func(t *testing.T) {
			if _, err := os.Stat(tc.src); err != nil {
				t.Skipf("not in the reference set: %v", err)
			}
			out := t.TempDir()
			if _, err := Convert(tc.src, out, tc.o); err != nil {
				t.Fatal(err)
			}
			for _, c := range tc.cases {
				compareRef(t, filepath.Join(out, c.model, "model.onnx"), d("refs/"+c.ref+".safetensors"), c, tc.tol)
			}
		})
	}
}

func compareRef(t *testing.T, model, ref string, c refCase, tol float64) {
	t.Helper()
	r, err := OpenFiles(ref)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	var ins []tensorIn
	for mi, ri := range c.in {
		v, err := r.Float32(ri)
		if err != nil {
			t.Fatal(err)
		}
		shape, _ := r.Shape(ri)
		in := tensorIn{name: mi, shape: shape, f32: v}
		if mi == "input_ids" {
			in.i32 = make([]int32, len(v))
			for i, x := range v {
				in.i32[i] = int32(x)
			}
		}
		ins = append(ins, in)
	}
	shapes := map[string][]int64{}
	for mo, ro := range c.out {
		shapes[mo], _ = r.Shape(ro)
	}
	// every output of the model needs a shape when it is float16
	for i := 0; i < 10; i++ {
		n := "hidden_states." + string(rune('0'+i))
		if _, ok := shapes[n]; !ok {
			if s, ok := r.Shape(n); ok {
				shapes[n] = s
			}
		}
	}
	for _, n := range []string{"last_hidden_state", "pooler_output", "text_embeds"} {
		if s, ok := r.Shape(n); ok && shapes[n] == nil {
			shapes[n] = s
		}
	}
	got := runModelShapes(t, model, shapes, ins...)
	for mo, ro := range c.out {
		want, err := r.Float32(ro)
		if err != nil {
			t.Fatal(err)
		}
		g, ok := got[mo]
		if !ok || len(g) != len(want) {
			t.Errorf("%s: output %s has %d values, want %d", c.model, mo, len(g), len(want))
			continue
		}
		e := maxRelErr(g, want)
		t.Logf("%s %s vs diffusers %s: max relative error %.2g", c.model, mo, ro, e)
		if e > tol || !finite(g) {
			t.Errorf("%s %s: max relative error %.3g > %.0g", c.model, mo, e, tol)
		}
	}
}

// TestShardedReference splits diffusers' tiny UNet into two shards with an index (as
// save_pretrained does past max_shard_size) and checks the conversion still equals diffusers.
func TestShardedReference(t *testing.T) {
	unetDir := filepath.Join(refDir, "sdxl", "unet")
	src, err := OpenFiles(filepath.Join(unetDir, "diffusion_pytorch_model.safetensors"))
	if err != nil {
		t.Skipf("no diffusers reference files: %v", err)
	}
	defer src.Close()
	base := t.TempDir()
	for _, sub := range []string{"vae", "text_encoder", "text_encoder_2"} { // the base the UNet-only path would need
		os.Symlink(mustAbs(t, filepath.Join(refDir, "sdxl", sub)), filepath.Join(base, sub))
	}
	dir := filepath.Join(base, "unet")
	os.MkdirAll(dir, 0o755)
	cfg, _ := os.ReadFile(filepath.Join(unetDir, "config.json"))
	os.WriteFile(filepath.Join(dir, "config.json"), cfg, 0o644)
	names := src.Names()
	weightMap := map[string]string{}
	for i, part := range [][]string{names[:len(names)/2], names[len(names)/2:]} {
		file := []string{"diffusion_pytorch_model-00001-of-00002.safetensors", "diffusion_pytorch_model-00002-of-00002.safetensors"}[i]
		var ts []tensorToWrite
		for _, n := range part {
			shape, _ := src.Shape(n)
			v, _ := src.Float32(n)
			ts = append(ts, tensorToWrite{n, shape, v})
			weightMap[n] = file
		}
		writeF32(t, filepath.Join(dir, file), ts)
	}
	idx, _ := json.Marshal(map[string]any{"metadata": map[string]any{}, "weight_map": weightMap})
	os.WriteFile(filepath.Join(dir, "diffusion_pytorch_model.safetensors.index.json"), idx, 0o644)
	out := t.TempDir()
	res, err := Convert(base, out, Options{Parts: []string{"unet"}})
	if err != nil {
		t.Fatal(err)
	}
	if n := len(res.Sources); n < 2 {
		t.Errorf("sources %v: want both shards", res.Sources)
	}
	compareRef(t, filepath.Join(out, "unet", "model.onnx"), filepath.Join(refDir, "refs", "sdxl-unet.safetensors"), unetCase("sdxl-unet", true), 1e-4)
}

func mustAbs(t testing.TB, p string) string {
	a, err := filepath.Abs(p)
	if err != nil {
		t.Fatal(err)
	}
	return a
}
