package sdconv

import "testing"

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
