package sdconv

import (
	"os"
	"path/filepath"
	"testing"
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
