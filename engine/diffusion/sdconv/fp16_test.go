package sdconv

import (
	"path/filepath"
	"testing"
)

// TestFP16 builds the tiny SDXL UNet in float16 compute and compares it with the
// float32 graph on the same weights (fp16 tolerance).
func TestFP16(t *testing.T) {
	build := func(fp16 bool) func(Source) (*graph, error) {
		return func(s Source) (*graph, error) { return buildUNet(s, tinySDXLUNet(), fp16) }
	}
	src := randomWeights(t, 9, build(false))
	ins := []tensorIn{{name: "sample", shape: []int64{1, 4, 8, 8}, f32: randn(3, 4*64)},
		{name: "timestep", shape: []int64{1}, f32: []float32{999}},
		{name: "encoder_hidden_states", shape: []int64{1, 77, 80}, f32: randn(4, 77*80)},
		{name: "text_embeds", shape: []int64{1, 40}, f32: randn(5, 40)},
		{name: "time_ids", shape: []int64{1, 6}, f32: []float32{64, 64, 0, 0, 64, 64}}}
	var outs [2][]float32
	for i, fp16 := range []bool{false, true} {
		g, err := build(fp16)(src)
		if err != nil {
			t.Fatal(err)
		}
		dir := t.TempDir()
		if err := g.write(dir, nil); err != nil {
			t.Fatal(err)
		}
		path := filepath.Join(dir, "model.onnx")
		checkONNX(t, path)
		outs[i] = runModelShapes(t, path, map[string][]int64{"out_sample": {1, 4, 8, 8}}, ins...)["out_sample"]
	}
	e := maxRelErr(outs[1], outs[0])
	t.Logf("fp16 vs fp32: max relative error %.3g", e)
	if e > 2e-2 || !finite(outs[1]) {
		t.Errorf("fp16 vs fp32 max relative error %.3g", e)
	}
}

// TestUpcastAttention: SD 2.x's upcast_attention keeps attention in float32 inside a
// float16 UNet; the graph is valid and agrees with float32.
func TestUpcastAttention(t *testing.T) {
	c := tinySD21UNet()
	c.UpcastAttention = true
	build := func(fp16 bool) func(Source) (*graph, error) {
		return func(s Source) (*graph, error) { return buildUNet(s, c, fp16) }
	}
	src := randomWeights(t, 4, build(false))
	ins := []tensorIn{{name: "sample", shape: []int64{1, 4, 16, 16}, f32: randn(3, 4*256)},
		{name: "timestep", shape: []int64{1}, f32: []float32{500}},
		{name: "encoder_hidden_states", shape: []int64{1, 77, 32}, f32: randn(4, 77*32)}}
	var outs [2][]float32
	for i, fp16 := range []bool{false, true} {
		g, err := build(fp16)(src)
		if err != nil {
			t.Fatal(err)
		}
		dir := t.TempDir()
		if err := g.write(dir, nil); err != nil {
			t.Fatal(err)
		}
		path := filepath.Join(dir, "model.onnx")
		checkONNX(t, path)
		outs[i] = runModelShapes(t, path, map[string][]int64{"out_sample": {1, 4, 16, 16}}, ins...)["out_sample"]
	}
	if e := maxRelErr(outs[1], outs[0]); e > 2e-2 || !finite(outs[1]) {
		t.Errorf("fp16 (upcast attention) vs fp32: %.3g", e)
	}
}
