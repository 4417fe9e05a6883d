package sdconv

import (
	"fmt"
	"math"
)

// buildCLIP mirrors transformers' CLIPTextModel / CLIPTextModelWithProjection
// (models/clip/modeling_clip.py): token + position embeddings, pre-LayerNorm
// transformer layers with causal self-attention, final LayerNorm, pooling at the
// first EOS token, and for WithProjection a bias-free text_projection. Outputs are
// Optimum's: last_hidden_state, pooler_output (or text_embeds) and hidden_states.0..N.
func buildCLIP(name string, src Source, c CLIPConfig, fp16 bool) (*graph, error) {
	if err := c.check(); err != nil {
		return nil, err
	}
	g := newGraph(name, src, fp16)
	C, H := c.HiddenSize, c.NumAttentionHeads
	eps := float32(c.LayerNormEps)
	ids := g.input("input_ids", i32, "batch_size", "sequence_length")
	idsL := g.cast(ids, i64)
	tok := g.node("Gather", "", []string{g.param("text_model.embeddings.token_embedding.weight", c.VocabSize, C), idsL}, attrInt("axis", 0))
	seq := g.op("Slice", g.op("Shape", ids), g.ints(1), g.ints(2), g.ints(0))
	posTable := g.param("text_model.embeddings.position_embedding.weight", c.MaxPositions, C)
	pos := g.op("Slice", posTable, g.ints(0), seq, g.ints(0))
	h := g.op("Add", tok, pos)

	// causal mask: 0 on and below the diagonal, the dtype's lowest value above (as transformers).
	P := c.MaxPositions
	lowest := float32(-math.MaxFloat32)
	if fp16 {
		lowest = -65504
	}
	m := make([]float32, P*P)
	for i := range P {
		for j := i + 1; j < P; j++ {
			m[i*P+j] = lowest
		}
	}
	maskTable := g.constant("/causal_mask", m, P, P)
	ends := g.node("Concat", "", []string{seq, seq}, attrInt("axis", 0))
	mask := g.op("Slice", maskTable, g.ints(0, 0), ends, g.ints(0, 1))

	hidden := []string{h}
	for l := range c.NumHiddenLayers {
		p := fmt.Sprintf("text_model.encoder.layers.%d", l)
		x := g.layerNorm(h, p+".layer_norm1", C, eps)
		q := g.linear(x, p+".self_attn.q_proj", C, C, true)
		k := g.linear(x, p+".self_attn.k_proj", C, C, true)
		v := g.linear(x, p+".self_attn.v_proj", C, C, true)
		a := g.linear(g.attention(q, k, v, H, C/H, mask), p+".self_attn.out_proj", C, C, true)
		h = g.op("Add", h, a)
		x = g.layerNorm(h, p+".layer_norm2", C, eps)
		x = g.act(g.linear(x, p+".mlp.fc1", C, c.IntermediateSize, true), c.HiddenAct)
		h = g.op("Add", h, g.linear(x, p+".mlp.fc2", c.IntermediateSize, C, true))
		hidden = append(hidden, h)
	}
	last := g.layerNorm(h, "text_model.final_layer_norm", C, eps)

	// pooled: the row of the first EOS; transformers' legacy configs (eos_token_id 2) take argmax(ids).
	key := ids
	if c.EOSTokenID != 2 {
		eos := g.tmp("eos")
		g.inits = append(g.inits, &initializer{name: eos, dims: []int64{}, elem: i64, ints: []int64{c.EOSTokenID}})
		key = g.cast(g.op("Equal", idsL, eos), i32)
	}
	idx := g.node("ArgMax", "", []string{key}, attrInt("axis", -1), attrInt("keepdims", 1))
	pooled := g.node("GatherND", "", []string{last, idx}, attrInt("batch_dims", 1))

	seqDims := []dim{"batch_size", "sequence_length", C}
	if c.WithProjection {
		g.output("text_embeds", g.linear(pooled, "text_projection", C, c.ProjectionDim, false), "batch_size", c.ProjectionDim)
		g.output("last_hidden_state", last, seqDims...)
	} else {
		g.output("last_hidden_state", last, seqDims...)
		g.output("pooler_output", pooled, "batch_size", C)
	}
	for i, hs := range hidden {
		g.output(fmt.Sprintf("hidden_states.%d", i), hs, seqDims...)
	}
	return g, nil
}
