package tests

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/vivid-ml/vivid-ml-engine/engine/infer"
	"github.com/vivid-ml/vivid-ml-engine/engine/infer/conformance"
	"github.com/vivid-ml/vivid-ml-engine/onnx"
)

// conformanceBackends are the backends the suite compares against ONNX Runtime's
// optimised CPU path. Every backend of the inference contract joins this list.
func conformanceBackends(t *testing.T) (infer.Backend, []infer.Backend) {
	t.Helper()
	ref, err := onnx.NewBackend(onnx.BackendConfig{Library: ortLibPath(t), Threads: 2})
	if err != nil {
		t.Fatal(err)
	}
	return ref, []infer.Backend{ref.Unoptimized()}
}

// TestBackendConformance runs MoveNet ×3 and the tiny SDXL set on every backend and
// compares each output with the reference backend's on the same inputs.
func TestBackendConformance(t *testing.T) {
	ref, others := conformanceBackends(t)
	var cases []conformance.Case
	for _, name := range []string{"movenet-lightning", "movenet-thunder", "movenet-multipose"} {
		out, err := engine("models", "path", "--offline", name).Output()
		if err != nil {
			skipOrFail(t, name+" is not provisioned (make provision)")
		}
		side := int64(map[string]int{"movenet-lightning": 192, "movenet-thunder": 256, "movenet-multipose": 256}[name])
		cases = append(cases, conformance.Case{Name: name, Path: strings.TrimSpace(string(out)),
			Shapes: map[string][]int64{"input": {1, side, side, 3}}, Ints: 256})
	}
	tiny := filepath.Join(t.TempDir(), "tiny")
	diffRunOK(t, engine("models", "make-tiny-sdxl", tiny))
	lat, img := []int64{1, 4, 8, 8}, []int64{1, 3, 64, 64}
	for _, c := range []struct {
		name   string
		shapes map[string][]int64
	}{
		{"text_encoder", map[string][]int64{"input_ids": {1, 77}}},
		{"text_encoder_2", map[string][]int64{"input_ids": {1, 77}}},
		{"unet", map[string][]int64{"sample": lat, "timestep": {1}, "encoder_hidden_states": {1, 77, 2048},
			"text_embeds": {1, 1280}, "time_ids": {1, 6}, "out_sample": lat}},
		{"vae_encoder", map[string][]int64{"sample": img, "latent_sample": lat, "latent_parameters": {1, 8, 8, 8}}},
		{"vae_decoder", map[string][]int64{"latent_sample": lat, "sample": img}},
	} {
		cases = append(cases, conformance.Case{Name: "tiny-sdxl/" + c.name, Path: filepath.Join(tiny, c.name, "model.onnx"),
			Shapes: c.shapes, Ints: 1000})
	}
	for _, c := range cases {
		t.Run(c.Name, func(t *testing.T) {
			if _, err := os.Stat(c.Path); err != nil {
				t.Fatal(err)
			}
			c.Shapes = withSeqOutputs(c.Shapes)
			res, err := conformance.Run(c, ref, others, 1)
			if err != nil {
				t.Fatal(err)
			}
			for backend, diffs := range res {
				for _, d := range diffs {
					if d.NaN || d.MaxAbs > 1e-4 {
						t.Errorf("%s vs %s: %s", backend, ref.Name(), d)
					}
				}
				t.Logf("%s: %v", backend, diffs)
			}
		})
	}
}

// withSeqOutputs adds the text encoders' output shapes (batch 1, 77 tokens) to shapes.
func withSeqOutputs(shapes map[string][]int64) map[string][]int64 {
	if _, ok := shapes["input_ids"]; !ok {
		return shapes
	}
	out := map[string][]int64{"input_ids": shapes["input_ids"]}
	out["last_hidden_state"] = []int64{1, 77, -1}
	out["pooler_output"], out["text_embeds"] = []int64{1, -1}, []int64{1, -1}
	for i := range 40 {
		out["hidden_states."+strconv.Itoa(i)] = []int64{1, 77, -1}
	}
	return out
}
