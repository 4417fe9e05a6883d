package diffusion_test

import (
	"bytes"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/vivid-ml/vivid-ml-engine/engine/diffusion"
	"github.com/vivid-ml/vivid-ml-engine/engine/diffusion/tiny"
	"github.com/vivid-ml/vivid-ml-engine/onnx/onnxpb"
	"google.golang.org/protobuf/proto"
)

// rewrite renames graph inputs/outputs (old → new) and drops the outputs in drop.
func rewrite(t *testing.T, path string, rename map[string]string, drop ...string) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var m onnxpb.ModelProto
	if err := proto.Unmarshal(data, &m); err != nil {
		t.Fatal(err)
	}
	g := m.Graph
	g.Output = slices.DeleteFunc(g.Output, func(o *onnxpb.ValueInfoProto) bool { return slices.Contains(drop, o.GetName()) })
	for _, vi := range append(slices.Clone(g.Input), g.Output...) {
		if n, ok := rename[vi.GetName()]; ok {
			vi.Name = proto.String(n)
		}
	}
	for _, n := range g.Node {
		for i, x := range n.Input {
			if r, ok := rename[x]; ok {
				n.Input[i] = r
			}
		}
		for i, x := range n.Output {
			if r, ok := rename[x]; ok {
				n.Output[i] = r
			}
		}
	}
	if data, err = proto.Marshal(&m); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestNVIDIANaming: the same weights under NVIDIA TensorRT-demo names (penultimate
// hidden state exported as hidden_states, text_embeddings, latent, images) give
// byte-identical output to Optimum's names.
func TestNVIDIANaming(t *testing.T) {
	initORT(t)
	optimum := tinyDir(t, tiny.Options{Seed: 3})
	nvidia := tinyDir(t, tiny.Options{Seed: 3})
	m := func(sub string) string { return filepath.Join(nvidia, sub, "model.onnx") }
	rewrite(t, m("text_encoder"), map[string]string{"hidden_states.1": "hidden_states", "last_hidden_state": "text_embeddings"},
		"hidden_states.0", "hidden_states.2", "pooler_output")
	rewrite(t, m("text_encoder_2"), map[string]string{"hidden_states.1": "hidden_states", "text_embeds": "text_embeddings"},
		"hidden_states.0", "hidden_states.2", "last_hidden_state")
	rewrite(t, m("unet"), map[string]string{"out_sample": "latent"})
	rewrite(t, m("vae_encoder"), map[string]string{"sample": "images", "latent_parameters": "latent"})
	rewrite(t, m("vae_decoder"), map[string]string{"latent_sample": "latent", "sample": "images"})

	var outs [][]byte
	for _, dir := range []string{optimum, nvidia} {
		p, err := diffusion.Open(diffusion.Config{Dir: dir, Backend: cpuBackend(t)})
		if err != nil {
			t.Fatal(err)
		}
		defer p.Close()
		outs = append(outs, generate(t, p, "a photo of a cat", diffusion.Request{Steps: 4, Strength: 0.5, Seed: 5}))
	}
	if !bytes.Equal(outs[0], outs[1]) {
		t.Fatal("NVIDIA-named models gave a different picture")
	}
}
