package diffusion

import (
	"fmt"
	"regexp"
	"strconv"
)

// SeqLen is CLIP's token sequence length.
const SeqLen = 77

var hiddenRe = regexp.MustCompile(`^hidden_states\.(\d+)$`)

// textEncoder runs one CLIP text encoder at batch 1 and returns the hidden state the
// UNet conditions on — the penultimate one for SDXL, last_hidden_state (after the final
// layer norm) for SD 1.x/2.x, as diffusers' encode_prompt with clip_skip None — and, for
// SDXL's encoder 2, the projected pooled output.
type textEncoder struct {
	b       *binding
	width   int
	pooled  bool
	hiddenI int // output index of the penultimate hidden state
}

// openTextEncoder binds a text encoder. Optimum exports hidden_states.0..N (the
// penultimate is N-1) and last_hidden_state; NVIDIA's demo exports the penultimate as
// hidden_states. last selects last_hidden_state (the SD family).
func openTextEncoder(file string, m Model, pooled, last bool) (*textEncoder, error) {
	outs := []role{}
	if pooled {
		outs = append(outs, role{key: "pooled", aliases: []string{"text_embeds", "text_embeddings", "pooled_output"}})
	}
	if last {
		outs = append(outs, role{key: "last", aliases: []string{"last_hidden_state"}})
	}
	b, err := bind(file, m, []role{{key: "input_ids", aliases: []string{"input_ids", "tokens"}}}, outs)
	if err != nil {
		return nil, err
	}
	hi, maxN := -1, -1
	if last {
		hi = b.out["last"]
	}
	for _, o := range b.outs {
		if mm := hiddenRe.FindStringSubmatch(o.Name); mm != nil {
			if n, _ := strconv.Atoi(mm[1]); n > maxN {
				maxN = n
			}
		}
	}
	for i, o := range b.outs {
		if last {
			break
		}
		if maxN >= 1 && o.Name == "hidden_states."+strconv.Itoa(maxN-1) {
			hi = i
		}
		if maxN < 0 && o.Name == "hidden_states" {
			hi = i
		}
	}
	if hi < 0 {
		return nil, fmt.Errorf("%w: %s has no penultimate hidden state output (hidden_states.N or hidden_states; the model has %s)",
			ErrModelIO, file, ioNames(b.outs))
	}
	width := b.outs[hi].Shape
	if len(width) != 3 || width[2] < 1 {
		return nil, fmt.Errorf("%w: %s output %s has shape %v, want [batch,77,width]", ErrModelIO, file, b.outs[hi].Name, width)
	}
	ids := b.ins[b.in["input_ids"]]
	if ids.Elem != Int32 && ids.Elem != Int64 {
		return nil, fmt.Errorf("%w: %s input %s is %s, want int32 or int64", ErrModelIO, file, ids.Name, ids.Elem)
	}
	e := &textEncoder{b: b, width: int(width[2]), pooled: pooled, hiddenI: hi}
	err = b.alloc("1", func(io IO, _ bool) []int64 {
		switch len(io.Shape) {
		case 3:
			return resolve(io.Shape, []int64{1, SeqLen, int64(e.width)})
		case 2:
			return resolve(io.Shape, []int64{1, SeqLen})
		}
		return resolve(io.Shape, []int64{1})
	})
	return e, err
}

// encode runs the encoder on 77 token ids and copies the penultimate hidden state
// ([77,width]) into hidden and the pooled output into pooled (encoder 2 only).
func (e *textEncoder) encode(ids []int32, hidden, pooled []float32) error {
	in := e.b.input("input_ids")
	if in.Len() != len(ids) {
		return fmt.Errorf("diffusion: %s: %d token ids, want %d", e.b.file, len(ids), in.Len())
	}
	for i, id := range ids {
		if in.Elem == Int32 {
			in.I32[i] = id
		} else {
			in.I64[i] = int64(id)
		}
	}
	if err := e.b.run(); err != nil {
		return err
	}
	e.b.outT[e.hiddenI].Floats(0, hidden[:SeqLen*e.width])
	if e.pooled {
		p := e.b.output("pooled")
		p.Floats(0, pooled[:p.Len()])
	}
	return nil
}

func (e *textEncoder) pooledLen() int {
	if !e.pooled {
		return 0
	}
	return e.b.output("pooled").Len()
}
