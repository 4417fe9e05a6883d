package sdconv

import (
	"compress/gzip"
	"encoding/json"
	"os"
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
