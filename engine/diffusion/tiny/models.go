package tiny

import (
	"fmt"
	"math"

	"github.com/vivid-ml/vivid-ml-engine/onnx/onnxpb"
)

// Sizes of the real SDXL interfaces (the tiny models keep these at their edges).
const (
	seqLen      = 77
	clipLDim    = 768  // text_encoder hidden size
	clipGDim    = 1280 // text_encoder_2 hidden size and projection
	ctxDim      = clipLDim + clipGDim
	latentChans = 4
	vaeFactor   = 8

	textLayers = 2    // tiny: hidden_states.0..2, penultimate = hidden_states.1
	rank       = 16   // low-rank weights keep the files small
	tableRows  = 1024 // token ids are folded into this many embedding rows
	tableDim   = 32
)

// textEncoder writes a CLIP-like encoder with Optimum's I/O: input_ids int32
// [batch,seq] → last_hidden_state, pooler_output (or text_embeds with projection)
// and hidden_states.0..textLayers. Every position mixes in the mean of the prompt
// so each output depends on every token.
func textEncoder(seed uint64, fp16 bool, width int, projection bool) ([]byte, error) {
	g := newGraph("text_encoder", seed, fp16)
	ids := g.typedInput("input_ids", onnxpb.TensorProto_INT32, "batch_size", "sequence_length")
	idsL := g.node("Cast", "", []string{ids}, attrInt("to", int64(onnxpb.TensorProto_INT64)))
	folded := g.op("Mod", idsL, g.int64Const("rows", tableRows))
	table := g.weight("embeddings.token_table", 1, tableRows, tableDim)
	e := g.op("Gather", table, folded)
	h := g.op("MatMul", e, g.weight("embeddings.proj", 1/math.Sqrt(tableDim), tableDim, int64(width)))

	hidden := []string{h}
	for l := range textLayers {
		mean := g.node("ReduceMean", "", []string{h}, attrInts("axes", 1), attrInt("keepdims", 1))
		mixed := g.op("Add", h, mean)
		a := g.op("MatMul", mixed, g.weight(fmt.Sprintf("layers.%d.a", l), 1/math.Sqrt(float64(width)), int64(width), rank))
		b := g.op("MatMul", a, g.weight(fmt.Sprintf("layers.%d.b", l), 1/math.Sqrt(rank), rank, int64(width)))
		h = g.op("Add", h, g.op("Tanh", b))
		hidden = append(hidden, h)
	}
	ones := make([]float32, width)
	for i := range ones {
		ones[i] = 1
	}
	last := g.node("LayerNormalization", "", []string{h, g.floatConst("final_layer_norm.weight", ones, int64(width)),
		g.floatConst("final_layer_norm.bias", make([]float32, width), int64(width))}, attrInt("axis", -1), attrFloat("epsilon", 1e-5))
	pooled := g.node("ReduceMean", "", []string{last}, attrInts("axes", 1), attrInt("keepdims", 0))

	seqDims := []dim{"batch_size", "sequence_length", width}
	if projection {
		a := g.op("MatMul", pooled, g.weight("text_projection.a", 1/math.Sqrt(float64(width)), int64(width), rank))
		proj := g.op("MatMul", a, g.weight("text_projection.b", 1/math.Sqrt(rank), rank, clipGDim))
		g.floatOutput("text_embeds", proj, "batch_size", clipGDim)
		g.floatOutput("last_hidden_state", last, seqDims...)
	} else {
		g.floatOutput("last_hidden_state", last, seqDims...)
		g.floatOutput("pooler_output", pooled, "batch_size", width)
	}
	for i, hs := range hidden {
		g.floatOutput(fmt.Sprintf("hidden_states.%d", i), hs, seqDims...)
	}
	return g.marshal()
}

// unet writes a UNet with the SDXL UNet's Optimum I/O. The conditioning (prompt
// context, pooled embeds, time ids, timestep) becomes a per-channel bias between
// two 3×3 convolutions of the sample.
func unet(seed uint64, fp16 bool) ([]byte, error) {
	g := newGraph("unet", seed, fp16)
	sample := g.floatInput("sample", "batch_size", latentChans, "height", "width")
	ts := g.floatInput("timestep", "steps")
	ctx := g.floatInput("encoder_hidden_states", "batch_size", "sequence_length", ctxDim)
	embeds := g.floatInput("text_embeds", "batch_size", clipGDim)
	timeIDs := g.floatInput("time_ids", "batch_size", 6)

	ctxMean := g.node("ReduceMean", "", []string{ctx}, attrInts("axes", 1), attrInt("keepdims", 0))
	c := g.op("MatMul", ctxMean, g.weight("cond.context", 1/math.Sqrt(ctxDim)*4, ctxDim, latentChans))
	c = g.op("Add", c, g.op("MatMul", embeds, g.weight("cond.text_embeds", 1/math.Sqrt(clipGDim)*4, clipGDim, latentChans)))
	c = g.op("Add", c, g.op("MatMul", timeIDs, g.weight("cond.time_ids", 1.0/1024, 6, latentChans)))
	t2 := g.op("Unsqueeze", ts, g.int64Const("axis1", 1))
	c = g.op("Add", c, g.op("MatMul", t2, g.weight("cond.timestep", 1.0/1000, 1, latentChans)))
	bias := g.op("Unsqueeze", g.op("Tanh", c), g.int64Const("axes23", 2, 3))

	conv := func(x, name string) string {
		w := g.weight(name+".weight", 1/math.Sqrt(latentChans*9), latentChans, latentChans, 3, 3)
		b := g.weight(name+".bias", 0.1, latentChans)
		return g.node("Conv", "", []string{x, w, b}, attrInts("kernel_shape", 3, 3), attrInts("pads", 1, 1, 1, 1))
	}
	x := g.op("Tanh", g.op("Add", conv(sample, "conv_in"), bias))
	out := conv(x, "conv_out")
	g.floatOutput("out_sample", out, "batch_size", latentChans, "height", "width")
	return g.marshal()
}

// vaeEncoder writes an 8× downsampling encoder. With params set it outputs
// Optimum's latent_parameters [B,8,h,w] (mean then log-variance); otherwise
// latent_sample [B,4,h,w] (as TAESD).
func vaeEncoder(seed uint64, fp16 bool, params bool) ([]byte, error) {
	g := newGraph("vae_encoder", seed, fp16)
	x := g.floatInput("sample", "batch_size", 3, "height", "width")
	const mid = 16
	w := g.weight("down.weight", 1/math.Sqrt(3*64), mid, 3, vaeFactor, vaeFactor)
	h := g.node("Conv", "", []string{x, w, g.weight("down.bias", 0.1, mid)},
		attrInts("kernel_shape", vaeFactor, vaeFactor), attrInts("strides", vaeFactor, vaeFactor))
	h = g.op("Tanh", h)
	outC := int64(latentChans)
	name := "latent_sample"
	if params {
		outC, name = 2*latentChans, "latent_parameters"
	}
	out := g.node("Conv", "", []string{h, g.weight("quant.weight", 4/math.Sqrt(mid), outC, mid, 1, 1),
		g.weight("quant.bias", 0.1, outC)}, attrInts("kernel_shape", 1, 1))
	g.floatOutput(name, out, "batch_size", int(outC), "height_latent", "width_latent")
	return g.marshal()
}

// vaeDecoder writes an 8× upsampling decoder: latent_sample → sample [B,3,H,W].
func vaeDecoder(seed uint64, fp16 bool) ([]byte, error) {
	g := newGraph("vae_decoder", seed, fp16)
	z := g.floatInput("latent_sample", "batch_size", latentChans, "height_latent", "width_latent")
	const mid = 16
	w := g.weight("up.weight", 0.25/math.Sqrt(latentChans), latentChans, mid, vaeFactor, vaeFactor)
	h := g.node("ConvTranspose", "", []string{z, w, g.weight("up.bias", 0.1, mid)},
		attrInts("kernel_shape", vaeFactor, vaeFactor), attrInts("strides", vaeFactor, vaeFactor))
	h = g.op("Tanh", h)
	out := g.node("Conv", "", []string{h, g.weight("out.weight", 1/math.Sqrt(mid), 3, mid, 1, 1),
		g.weight("out.bias", 0.1, 3)}, attrInts("kernel_shape", 1, 1))
	g.floatOutput("sample", out, "batch_size", 3, "height", "width")
	return g.marshal()
}
