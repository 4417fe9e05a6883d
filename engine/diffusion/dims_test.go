package diffusion

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
)

// fakeModel is a Model with declared inputs and outputs only.
type fakeModel struct{ ins, outs []IO }

func (f fakeModel) Inputs() []IO             { return f.ins }
func (f fakeModel) Outputs() []IO            { return f.outs }
func (f fakeModel) Run(_, _ []*Tensor) error { return errors.New("fake") }
func (f fakeModel) Provider() string         { return "fake" }
func (f fakeModel) Close() error             { return nil }
func f32(name string, shape ...int64) IO     { return IO{Name: name, Elem: Float32, Shape: shape} }
func unetOut() []IO                          { return []IO{f32("out_sample", -1, 4, -1, -1)} }
func sdInputs(ctx int64) []IO {
	return []IO{f32("sample", -1, 4, -1, -1), f32("timestep", -1), f32("encoder_hidden_states", -1, -1, ctx)}
}
func withAdded(in []IO, pooled, tids int64) []IO {
	return append(in, f32("text_embeds", -1, pooled), f32("time_ids", -1, tids))
}

func TestOpenUNetDims(t *testing.T) {
	tests := []struct {
		name string
		ins  []IO
		cfg  *unetConfig
		want Dims
		err  string
	}{
		{"sdxl", withAdded(sdInputs(2048), 1280, 6), nil, Dims{Family: SDXL, LatentCh: 4, Context: 2048, Pooled: 1280, TimeIDs: 6}, ""},
		{"sd-turbo", sdInputs(1024), nil, Dims{Family: SD, LatentCh: 4, Context: 1024}, ""},
		{"dynamic width from config", sdInputs(-1), &unetConfig{CrossAttentionDim: float64(768)}, Dims{Family: SD, LatentCh: 4, Context: 768}, ""},
		{"dynamic width, no config", sdInputs(-1), nil, Dims{},
			"diffusion: unexpected model inputs/outputs: unet/model.onnx input encoder_hidden_states has a dynamic width and unet/config.json no cross_attention_dim"},
		{"refiner time ids", withAdded(sdInputs(1280), 1280, 5), nil, Dims{},
			"diffusion: unexpected model inputs/outputs: unet/model.onnx input time_ids has 5 values, want 6 (original size, crop, target size; aesthetic-score refiners are not supported)"},
		{"text_embeds without time_ids", append(sdInputs(2048), f32("text_embeds", -1, 1280)), nil, Dims{},
			"diffusion: unexpected model inputs/outputs: unet/model.onnx has no input time_ids (looked for time_ids; the model has sample, timestep, encoder_hidden_states, text_embeds)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			u, err := openUNet("unet/model.onnx", fakeModel{ins: tt.ins, outs: unetOut()}, tt.cfg)
			if tt.err != "" {
				if err == nil || err.Error() != tt.err || !errors.Is(err, ErrModelIO) {
					t.Fatalf("error %v\nwant %s", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			got := Dims{Family: u.family, LatentCh: u.ch, Context: u.ctx, Pooled: u.pooled, TimeIDs: u.tids}
			if got != tt.want {
				t.Fatalf("dims %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestFolderDims(t *testing.T) {
	tests := []struct {
		name      string
		unet, vae string
		want      Dims
	}{
		{"sdxl", `{"in_channels": 4, "cross_attention_dim": 2048, "projection_class_embeddings_input_dim": 2816, "addition_time_embed_dim": 256}`,
			`{"block_out_channels": [128, 256, 512, 512], "scaling_factor": 0.13025}`, SDXLDims()},
		{"sd 2.1", `{"in_channels": 4, "cross_attention_dim": [1024, 1024, 1024, 1024]}`, `{"block_out_channels": [128, 256, 512, 512]}`,
			Dims{Family: SD, LatentCh: 4, Context: 1024, VAEScale: 8}},
		{"tiny vae", `{"in_channels": 4, "cross_attention_dim": 40}`, `{"block_out_channels": [16, 32, 32]}`,
			Dims{Family: SD, LatentCh: 4, Context: 40, VAEScale: 4}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			for sub, body := range map[string]string{"unet": tt.unet, "vae_decoder": tt.vae} {
				if err := os.MkdirAll(filepath.Join(dir, sub), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(filepath.Join(dir, sub, "config.json"), []byte(body), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			got, err := FolderDims(dir, false)
			if err != nil {
				t.Fatal(err)
			}
			if got != tt.want {
				t.Fatalf("dims %+v, want %+v", got, tt.want)
			}
		})
	}
}

// TestProfileDims: TensorRT profiles take the folder's sizes; an SD UNet has no
// text_embeds or time_ids to profile.
func TestProfileDims(t *testing.T) {
	sd := Dims{Family: SD, LatentCh: 4, Context: 1024, VAEScale: 8}
	for _, tt := range []struct {
		name string
		dims *Dims
		want string
	}{
		{"sdxl default", nil, "encoder_hidden_states:1x77x2048,sample:1x4x64x64,text_embeds:1x1280,time_ids:1x6,timestep:1"},
		{"sd-turbo", &sd, "encoder_hidden_states:1x77x1024,sample:1x4x64x64,timestep:1"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			p := Providers{Size: 512, Dims: tt.dims}.profile("unet")
			if got := p.Opt.String(); got != tt.want {
				t.Fatalf("unet profile %s, want %s", got, tt.want)
			}
		})
	}
}
