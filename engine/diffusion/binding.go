package diffusion

import (
	"fmt"
	"slices"
	"strings"
)

// role is one input or output the pipeline needs, found in a model by name. Optimum
// and NVIDIA's TensorRT demo export the same tensors under different names.
type role struct {
	key      string
	aliases  []string
	optional bool
}

// binding maps a model's inputs and outputs to pipeline roles and owns the tensors,
// reallocated only when the shape changes.
type binding struct {
	file  string // model path relative to the folder, for errors
	model Model
	ins   []IO
	outs  []IO
	in    map[string]int // role key → input index
	out   map[string]int // role key → output index

	shapeKey string
	inT      []*Tensor
	outT     []*Tensor
}

// bind resolves roles by name. Every model input must match a role (an input the
// pipeline cannot fill is an error that names it); outputs without a role are allocated
// but ignored.
func bind(file string, m Model, inRoles, outRoles []role) (*binding, error) {
	b := &binding{file: file, model: m, ins: m.Inputs(), outs: m.Outputs(), in: map[string]int{}, out: map[string]int{}}
	if err := match(file, "input", b.ins, inRoles, b.in, true); err != nil {
		return nil, err
	}
	if err := match(file, "output", b.outs, outRoles, b.out, false); err != nil {
		return nil, err
	}
	return b, nil
}

func match(file, what string, ios []IO, roles []role, dst map[string]int, strict bool) error {
	used := make([]bool, len(ios))
	for _, r := range roles {
		idx := -1
		for _, a := range r.aliases {
			if i := slices.IndexFunc(ios, func(io IO) bool { return io.Name == a }); i >= 0 {
				idx = i
				break
			}
		}
		if idx < 0 {
			if r.optional {
				continue
			}
			return fmt.Errorf("%w: %s has no %s %s (looked for %s; the model has %s)",
				ErrModelIO, file, what, r.key, strings.Join(r.aliases, ", "), ioNames(ios))
		}
		dst[r.key] = idx
		used[idx] = true
	}
	if strict {
		for i, u := range used {
			if !u {
				return fmt.Errorf("%w: %s has an unexpected %s %q (the pipeline fills %s)",
					ErrModelIO, file, what, ios[i].Name, roleNames(roles))
			}
		}
	}
	return nil
}

func ioNames(ios []IO) string {
	n := make([]string, len(ios))
	for i, io := range ios {
		n[i] = io.Name
	}
	return strings.Join(n, ", ")
}

func roleNames(roles []role) string {
	n := make([]string, len(roles))
	for i, r := range roles {
		n[i] = r.key
	}
	return strings.Join(n, ", ")
}

// alloc (re)allocates every tensor when key changes; shape resolves each IO's
// dynamic dimensions (isInput tells inputs from outputs).
func (b *binding) alloc(key string, shape func(io IO, isInput bool) []int64) error {
	if key == b.shapeKey && b.inT != nil {
		return nil
	}
	mk := func(ios []IO, isInput bool) ([]*Tensor, error) {
		ts := make([]*Tensor, len(ios))
		for i, io := range ios {
			t, err := NewTensor(io.Elem, shape(io, isInput)...)
			if err != nil {
				return nil, fmt.Errorf("%s %s: %w", b.file, io.Name, err)
			}
			ts[i] = t
		}
		return ts, nil
	}
	in, err := mk(b.ins, true)
	if err != nil {
		return err
	}
	out, err := mk(b.outs, false)
	if err != nil {
		return err
	}
	b.inT, b.outT, b.shapeKey = in, out, key
	return nil
}

// input and output return the tensor bound to a role (nil when an optional role is absent).
func (b *binding) input(key string) *Tensor {
	if i, ok := b.in[key]; ok {
		return b.inT[i]
	}
	return nil
}

func (b *binding) output(key string) *Tensor {
	if i, ok := b.out[key]; ok {
		return b.outT[i]
	}
	return nil
}

func (b *binding) run() error {
	if err := b.model.Run(b.inT, b.outT); err != nil {
		return fmt.Errorf("diffusion: %s: %w", b.file, err)
	}
	return nil
}

// resolve fills a declared shape's dynamic (-1) dimensions from want (same rank),
// keeping fixed dimensions as the model declares them.
func resolve(declared, want []int64) []int64 {
	if len(declared) != len(want) {
		return want
	}
	out := make([]int64, len(declared))
	for i, d := range declared {
		if d > 0 {
			out[i] = d
		} else {
			out[i] = want[i]
		}
	}
	return out
}
