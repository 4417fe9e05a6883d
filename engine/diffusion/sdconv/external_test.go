package sdconv

import (
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/vivid-ml/vivid-ml-engine/onnx/onnxpb"
	"google.golang.org/protobuf/proto"
)

// TestExternalData writes the tiny VAE decoder with its weights in model.onnx_data
// (as every model over the threshold, e.g. SDXL's 5 GB UNet) and checks that the
// checker and ONNX Runtime read it and give the same output as the inline model.
func TestExternalData(t *testing.T) {
	build := func(s Source) (*graph, error) { return buildVAEDecoder(s, tinyVAE(), false) }
	src := randomWeights(t, 3, build)
	z := tensorIn{name: "latent_sample", shape: []int64{1, 4, 4, 4}, f32: randn(8, 64)}
	var outs [][]float32
	for _, threshold := range []int64{1 << 30, 1} {
		old := ExternalThreshold
		ExternalThreshold = threshold
		g, err := build(src)
		if err != nil {
			t.Fatal(err)
		}
		dir := t.TempDir()
		err = g.write(dir, nil)
		ExternalThreshold = old
		if err != nil {
			t.Fatal(err)
		}
		_, err = os.Stat(filepath.Join(dir, "model.onnx_data"))
		if (threshold == 1) != (err == nil) {
			t.Fatalf("threshold %d: model.onnx_data present = %v", threshold, err == nil)
		}
		checkONNX(t, filepath.Join(dir, "model.onnx"))
		outs = append(outs, runModel(t, filepath.Join(dir, "model.onnx"), z)["sample"])
	}
	if e := maxRelErr(outs[1], outs[0]); e != 0 {
		t.Errorf("external-data model differs: %g", e)
	}
}

// TestExternalAlignment: in model.onnx_data, tensors of 1 MiB and more start at a
// multiple of 64 KiB (so ONNX Runtime can map them), and the model still gives the
// inline model's output.
func TestExternalAlignment(t *testing.T) {
	build := func(s Source) (*graph, error) {
		g := newGraph("t", s, false)
		h := g.linear(g.input("x", 0, 1, 600), "a", 600, 600, true) // 1.44 MB weight after a small bias
		h = g.linear(h, "b", 600, 500, true)
		h = g.linear(h, "c", 500, 600, true)
		g.output("y", h, 1, 600)
		return g, nil
	}
	src := randomWeights(t, 5, build)
	x := tensorIn{name: "x", shape: []int64{1, 600}, f32: randn(9, 600)}
	var outs [][]float32
	for _, threshold := range []int64{1 << 30, 1} {
		old := ExternalThreshold
		ExternalThreshold = threshold
		g, _ := build(src)
		dir := t.TempDir()
		hs, err := g.writeHashed(dir, nil)
		ExternalThreshold = old
		if err != nil {
			t.Fatal(err)
		}
		if threshold == 1 {
			b, err := os.ReadFile(filepath.Join(dir, "model.onnx"))
			if err != nil {
				t.Fatal(err)
			}
			var m onnxpb.ModelProto
			if err := proto.Unmarshal(b, &m); err != nil {
				t.Fatal(err)
			}
			big := 0
			for _, init := range m.Graph.Initializer {
				kv := map[string]string{}
				for _, e := range init.ExternalData {
					kv[e.GetKey()] = e.GetValue()
				}
				off, _ := strconv.ParseInt(kv["offset"], 10, 64)
				n, _ := strconv.ParseInt(kv["length"], 10, 64)
				if n >= alignAbove {
					big++
					if off%alignTo != 0 {
						t.Errorf("%s: %d bytes at offset %d, not a multiple of %d", init.GetName(), n, off, alignTo)
					}
				}
			}
			if big != 3 {
				t.Errorf("%d tensors of 1 MiB or more, want 3", big)
			}
			for _, h := range hs {
				if sum, n, err := HashFile(filepath.Join(dir, h.Path)); err != nil || sum != h.SHA256 || n != h.Size {
					t.Errorf("%s: hash while writing %s (%d bytes), the file has %s (%d bytes)", h.Path, h.SHA256, h.Size, sum, n)
				}
			}
			checkONNX(t, filepath.Join(dir, "model.onnx"))
		}
		outs = append(outs, runModel(t, filepath.Join(dir, "model.onnx"), x)["y"])
	}
	if e := maxRelErr(outs[1], outs[0]); e != 0 {
		t.Errorf("aligned external-data model differs: %g", e)
	}
}

// FuzzKeys: key parsers never panic on any name.
func FuzzKeys(f *testing.F) {
	for _, s := range []string{"input_blocks.4.1.proj_in.weight", "middle_block.1.norm.weight", "output_blocks.2.2.conv.bias",
		"decoder.up.3.upsample.conv.weight", "encoder.mid.attn_1.q.weight", "lora_unet_input_blocks_4_1_proj_in", "a:0.5", "x."} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		unetKey(s, 2)
		vaeKey(s, 4)
		sgmToDiffusersUnderscored(s)
		ParseLoRA(s)
		parseLoRAKey(s, map[string]map[string]string{"unet": {"a_b": "a.b"}})
	})
}
