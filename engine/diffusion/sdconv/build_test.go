package sdconv

import (
	"path/filepath"
	"testing"
)

// TestBuildRun builds every module at a tiny config over random weights, validates it
// with the ONNX checker and runs it on ONNX Runtime CPU (shapes and finiteness; the
// numerics against diffusers are TestReference's job).
func TestBuildRun(t *testing.T) {
	ids := make([]int32, 2*77)
	for i := range ids {
		ids[i] = int32(3 + i*7%990)
	}
	ids[20], ids[77+30] = 999, 999
	for _, tc := range []struct {
		name  string
		build func(Source) (*graph, error)
		ins   []tensorIn
		out   string
		numel int
	}{
		{"clip-l", func(s Source) (*graph, error) { return buildCLIP("text_encoder", s, tinyCLIPL(), false) },
			[]tensorIn{{name: "input_ids", shape: []int64{2, 77}, i32: ids}}, "hidden_states.2", 2 * 77 * 32},
		{"clip-g", func(s Source) (*graph, error) { return buildCLIP("text_encoder_2", s, tinyCLIPG(), false) },
			[]tensorIn{{name: "input_ids", shape: []int64{2, 77}, i32: ids}}, "text_embeds", 2 * 40},
		{"vae-decoder", func(s Source) (*graph, error) { return buildVAEDecoder(s, tinyVAE(), false) },
			[]tensorIn{{name: "latent_sample", shape: []int64{2, 4, 4, 4}, f32: randn(1, 2*4*16)}}, "sample", 2 * 3 * 8 * 8},
		{"vae-encoder", func(s Source) (*graph, error) { return buildVAEEncoder(s, tinyVAE(), false) },
			[]tensorIn{{name: "sample", shape: []int64{2, 3, 16, 16}, f32: randn(2, 2*3*256)}}, "latent_parameters", 2 * 8 * 8 * 8},
		{"taesd-encoder", func(s Source) (*graph, error) { return buildTAESDEncoder(s, tinyTAESD(), false) },
			[]tensorIn{{name: "sample", shape: []int64{2, 3, 32, 32}, f32: randn(2, 2*3*1024)}}, "latent_sample", 2 * 4 * 16},
		{"taesd-decoder", func(s Source) (*graph, error) { return buildTAESDDecoder(s, tinyTAESD(), false) },
			[]tensorIn{{name: "latent_sample", shape: []int64{2, 4, 4, 4}, f32: randn(1, 2*4*16)}}, "sample", 2 * 3 * 32 * 32},
		{"unet-sdxl", func(s Source) (*graph, error) { return buildUNet(s, tinySDXLUNet(), false) },
			[]tensorIn{{name: "sample", shape: []int64{2, 4, 8, 8}, f32: randn(3, 2*4*64)},
				{name: "timestep", shape: []int64{2}, f32: []float32{999, 249}},
				{name: "encoder_hidden_states", shape: []int64{2, 77, 80}, f32: randn(4, 2*77*80)},
				{name: "text_embeds", shape: []int64{2, 40}, f32: randn(5, 80)},
				{name: "time_ids", shape: []int64{2, 6}, f32: []float32{64, 64, 0, 0, 64, 64, 48, 80, 8, 16, 64, 64}}},
			"out_sample", 2 * 4 * 64},
		{"unet-sd21", func(s Source) (*graph, error) { return buildUNet(s, tinySD21UNet(), false) },
			[]tensorIn{{name: "sample", shape: []int64{2, 4, 16, 16}, f32: randn(3, 2*4*256)},
				{name: "timestep", shape: []int64{1}, f32: []float32{500}},
				{name: "encoder_hidden_states", shape: []int64{2, 77, 32}, f32: randn(4, 2*77*32)}},
			"out_sample", 2 * 4 * 256},
	} {
		t.Run(tc.name, func(t *testing.T) {
			src := randomWeights(t, 7, tc.build)
			g, err := tc.build(src)
			if err != nil {
				t.Fatal(err)
			}
			dir := t.TempDir()
			if err := g.write(dir, nil); err != nil {
				t.Fatal(err)
			}
			path := filepath.Join(dir, "model.onnx")
			checkONNX(t, path)
			out := runModel(t, path, tc.ins...)
			got := out[tc.out]
			if len(got) != tc.numel || !finite(got) {
				t.Fatalf("%s: %d values (want %d), finite %v", tc.out, len(got), tc.numel, finite(got))
			}
		})
	}
}
