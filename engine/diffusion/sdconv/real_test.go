package sdconv

import (
	"compress/gzip"
	"encoding/json"
	"fmt"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// TestRealParamCounts builds the real SDXL and SD 2.1 architectures over a recorder
// (no weights) and checks the parameter counts against diffusers' and transformers'
// models at those configs.
func TestRealParamCounts(t *testing.T) {
	for _, tc := range []struct {
		name  string
		build func(Source) (*graph, error)
		want  int64
	}{
		{"sdxl unet", func(s Source) (*graph, error) { return buildUNet(s, DefaultSDXLUNet(), false) }, 2567463684},
		{"sd21 unet", func(s Source) (*graph, error) { return buildUNet(s, DefaultSD21UNet(), false) }, 865910724},
		{"clip-l", func(s Source) (*graph, error) { return buildCLIP("t", s, DefaultCLIPL(), false) }, 123060480},
		{"clip-bigG", func(s Source) (*graph, error) { return buildCLIP("t", s, DefaultCLIPG(), false) }, 694659840},
		{"openclip-h (23 layers)", func(s Source) (*graph, error) { return buildCLIP("t", s, DefaultCLIPH(), false) }, 340387840},
	} {
		rec := newRecorder()
		if _, err := tc.build(rec); err != nil {
			t.Fatal(err)
		}
		var n int64
		for _, s := range rec.want {
			n += numel(s)
		}
		if n != tc.want {
			t.Errorf("%s: %d parameters, want %d", tc.name, n, tc.want)
		}
	}
	// the VAE: encoder and decoder together.
	rec := newRecorder()
	buildVAEEncoder(rec, DefaultVAE(), false)
	buildVAEDecoder(rec, DefaultVAE(), false)
	var n int64
	for _, s := range rec.want {
		n += numel(s)
	}
	if n != 83653863 {
		t.Errorf("sdxl vae: %d parameters, want 83653863", n)
	}
}

// TestRealStateDicts compares, name by name and shape by shape, the weights the real
// SDXL / SD 2.1 graphs read with the state dicts of diffusers' and transformers'
// models at those configs (testdata/real-state-dicts.json.gz: made on the H200 with
// diffusers 0.40.0.dev0 and transformers 5.17 on the meta device; buffers such as
// position_ids excluded).
func TestRealStateDicts(t *testing.T) {
	f, err := os.Open("testdata/real-state-dicts.json.gz")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	var want map[string]map[string][]int64
	if err := json.NewDecoder(zr).Decode(&want); err != nil {
		t.Fatal(err)
	}
	vae := func(s Source) (*graph, error) {
		if _, err := buildVAEEncoder(s, DefaultVAE(), false); err != nil {
			return nil, err
		}
		return buildVAEDecoder(s, DefaultVAE(), false)
	}
	for name, build := range map[string]func(Source) (*graph, error){
		"sdxl_unet": func(s Source) (*graph, error) { return buildUNet(s, DefaultSDXLUNet(), false) },
		"sd21_unet": func(s Source) (*graph, error) { return buildUNet(s, DefaultSD21UNet(), false) },
		"vae":       vae,
		"clip_l":    func(s Source) (*graph, error) { return buildCLIP("t", s, DefaultCLIPL(), false) },
		"clip_g":    func(s Source) (*graph, error) { return buildCLIP("t", s, DefaultCLIPG(), false) },
		"clip_h":    func(s Source) (*graph, error) { return buildCLIP("t", s, DefaultCLIPH(), false) },
	} {
		rec := newRecorder()
		if _, err := build(rec); err != nil {
			t.Fatal(err)
		}
		ref := map[string][]int64{}
		for n, s := range want[name] {
			if strings.HasSuffix(n, "position_ids") {
				continue
			}
			if strings.HasPrefix(name, "clip") && !strings.HasPrefix(n, "text_model.") && !strings.HasPrefix(n, "text_projection") {
				n = "text_model." + n // transformers 5 names CLIPTextModel's weights without the prefix
			}
			ref[n] = s
		}
		if len(ref) == 0 {
			t.Fatalf("%s: no reference names", name)
		}
		for n, s := range ref {
			got, ok := rec.want[n]
			if !ok {
				t.Errorf("%s: the graph does not read %s %v", name, n, s)
			} else if !slices.Equal(trimOnes(got), trimOnes(s)) {
				t.Errorf("%s: %s has shape %v in the graph, %v in the model", name, n, got, s)
			}
		}
		for n := range rec.want {
			if _, ok := ref[n]; !ok {
				t.Errorf("%s: the graph reads %s, which the model does not have", name, n)
			}
		}
	}
}

// shapeSource has names and shapes only; it records which names a graph looks up.
type shapeSource struct {
	shapes map[string][]int64
	read   map[string]bool
}

func (s *shapeSource) Shape(n string) ([]int64, bool) {
	v, ok := s.shapes[n]
	if ok {
		s.read[n] = true
	}
	return v, ok
}

func (s *shapeSource) Float32(n string) ([]float32, error) {
	return nil, fmt.Errorf("%w: %s: names and shapes only", ErrWeights, n)
}

func (s *shapeSource) Names() []string {
	out := make([]string, 0, len(s.shapes))
	for n := range s.shapes {
		out = append(out, n)
	}
	slices.Sort(out)
	return out
}

func readGz(t *testing.T, path string, v any) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.NewDecoder(zr).Decode(v); err != nil {
		t.Fatal(err)
	}
}

// TestRealSingleFileKeys plans the real-size single files scripts/gpu/convert_check.py
// makes on the GPU machine (testdata/real-sgm-keys.json.gz: their names and shapes, made
// by scripts/gpu/sgm_keys.py from the real state dicts with the same inverse maps, which
// diffusers' own single_file_utils map back exactly) through the converter's single-file
// path with the built-in configs, builds every model, and checks that each graph finds
// every weight with its shape and that every tensor of the file is read (but those real
// files carry and diffusers ignores too). It also maps every kohya SGM name of the LoRA
// made there (lora_unet_input_blocks_…, middle_block_…) to its diffusers module.
func TestRealSingleFileKeys(t *testing.T) {
	var keys map[string]map[string]any
	readGz(t, "testdata/real-sgm-keys.json.gz", &keys)
	unused := regexp.MustCompile(`position_ids$|logit_scale$|^cond_stage_model\.model\.(transformer\.resblocks\.23\.|text_projection$)`)
	for _, fam := range []string{"sdxl", "sd21"} {
		src := &shapeSource{shapes: map[string][]int64{}, read: map[string]bool{}}
		for n, s := range keys[fam+"_single"] {
			var shape []int64
			for _, d := range s.([]any) {
				shape = append(shape, int64(d.(float64)))
			}
			src.shapes[n] = shape
		}
		p, err := planSingle(src, Options{})
		if err != nil {
			t.Fatalf("%s: %v", fam, err)
		}
		if (p.te2 != nil) != (fam == "sdxl") {
			t.Errorf("%s: text_encoder_2 planned = %v", fam, p.te2 != nil)
		}
		var built []string
		for _, c := range p.components() {
			g, err := c.build()
			if err == nil {
				err = g.err()
			}
			if err != nil {
				t.Errorf("%s %s: %v", fam, c.sub, err)
			}
			built = append(built, c.sub)
		}
		var notRead []string
		for n := range src.shapes {
			if !src.read[n] && !unused.MatchString(n) {
				notRead = append(notRead, n)
			}
		}
		slices.Sort(notRead)
		if len(notRead) > 0 {
			t.Errorf("%s: %d tensors of the single file are read by no model (first %q)", fam, len(notRead), notRead[:min(5, len(notRead))])
		}
		t.Logf("%s single file: %d tensors, models %v", fam, len(src.shapes), built)
	}
	var dicts map[string]map[string][]int64
	readGz(t, "testdata/real-state-dicts.json.gz", &dicts)
	var unetNames []string
	for n := range dicts["sdxl_unet"] {
		unetNames = append(unetNames, n)
	}
	index := map[string]map[string]string{"unet": {}}
	for _, n := range unetNames {
		if mod, ok := strings.CutSuffix(n, ".weight"); ok {
			index["unet"][strings.ReplaceAll(mod, ".", "_")] = mod
		}
	}
	lora := keys["sdxl_kohya_sgm_lora"]
	if len(lora) < 600 {
		t.Fatalf("%d kohya names", len(lora))
	}
	for k, want := range lora {
		comp, mod, _, _, ok := parseLoRAKey(k+".lora_down.weight", index)
		if !ok || comp != "unet" || mod != want {
			t.Errorf("kohya %s → %s %q (%v), want unet %s", k, comp, mod, ok, want)
		}
	}
}
