package sdconv

import (
	"fmt"
	"slices"
	"strings"
)

// mapping says where one diffusers-named weight lives in another checkpoint: a source
// tensor, optionally rows [lo,hi) of its first axis (a fused q/k/v projection) and
// optionally transposed (OpenCLIP's text_projection).
type mapping struct {
	from      string
	lo, hi    int64 // hi 0: every row
	transpose bool
}

// mapped is a Source that renames (and slices or transposes) the weights of another.
type mapped struct {
	src Source
	m   map[string]mapping
}

func (s *mapped) Names() []string {
	out := make([]string, 0, len(s.m))
	for n := range s.m {
		out = append(out, n)
	}
	slices.Sort(out)
	return out
}

func (s *mapped) Shape(name string) ([]int64, bool) {
	mp, ok := s.m[name]
	if !ok {
		return nil, false
	}
	shape, ok := s.src.Shape(mp.from)
	if !ok {
		return nil, false
	}
	shape = slices.Clone(shape)
	if mp.hi > 0 && len(shape) > 0 {
		shape[0] = mp.hi - mp.lo
	}
	if mp.transpose && len(shape) == 2 {
		shape[0], shape[1] = shape[1], shape[0]
	}
	return shape, true
}

func (s *mapped) Float32(name string) ([]float32, error) {
	mp, ok := s.m[name]
	if !ok {
		return nil, fmt.Errorf("%w: no tensor %q", ErrWeights, name)
	}
	v, err := s.src.Float32(mp.from)
	if err != nil {
		return nil, err
	}
	shape, _ := s.src.Shape(mp.from)
	if mp.hi > 0 {
		row := numel(shape[1:])
		if mp.hi > shape[0] {
			return nil, fmt.Errorf("%w: %s has %d rows, want rows %d..%d for %s", ErrWeights, mp.from, shape[0], mp.lo, mp.hi, name)
		}
		v = v[mp.lo*row : mp.hi*row]
		shape = append([]int64{mp.hi - mp.lo}, shape[1:]...)
	}
	if mp.transpose && len(shape) == 2 {
		v = transpose2(shape[0], shape[1])(v)
	}
	return v, nil
}

// clipNames gives a CLIP text model's weights transformers 4's names: transformers 5
// saves CLIPTextModel without the "text_model." prefix (CLIPTextModelWithProjection
// keeps it), and single files carry either.
func clipNames(s Source) Source {
	if s == nil {
		return nil
	}
	if _, ok := s.Shape("text_model.embeddings.token_embedding.weight"); ok {
		return s
	}
	if _, ok := s.Shape("embeddings.token_embedding.weight"); !ok {
		return s // let the builder name what is missing
	}
	m := &mapped{src: s, m: map[string]mapping{}}
	for _, n := range s.Names() {
		if strings.HasPrefix(n, "text_projection") {
			m.m[n] = mapping{from: n}
		} else {
			m.m["text_model."+n] = mapping{from: n}
		}
	}
	return m
}
