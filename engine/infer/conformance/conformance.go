// Package conformance runs the same models on several inference backends and compares
// their outputs: the backend conformance suite every backend of package infer passes
// (CI: the CPU backends on MoveNet ×3 and the tiny SDXL set; the GPU machine: CUDA and
// XLA against ONNX Runtime's CPU provider on the real-architecture SDXL parts).
package conformance

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/vivid-ml/vivid-ml-engine/engine/infer"
)

// Case is one model to run: its file, its role (Spec.Name) and the value of each
// dynamic dimension by input name (e.g. "sample": {1, 4, 64, 64}).
type Case struct {
	Name   string
	Path   string
	Shapes map[string][]int64
	// Ints bounds integer inputs to [0, Ints) (token ids, pixels); 0 means 256.
	Ints int64
}

// Diff is how one output of a model differs between two backends.
type Diff struct {
	Model, Output string
	MaxAbs        float64 // largest |a−b|
	RelL2         float64 // ‖a−b‖₂ / ‖b‖₂ (b: the reference backend)
	NaN           bool    // either side produced NaN or Inf
}

func (d Diff) String() string {
	return fmt.Sprintf("%s/%s: max|Δ| %.3g, rel L2 %.3g", d.Model, d.Output, d.MaxAbs, d.RelL2)
}

// Inputs makes deterministic inputs for a model's declared inputs: normal floats
// (seeded), integers in [0, ints); dynamic dimensions from shapes, else 1.
func Inputs(ios []infer.IO, shapes map[string][]int64, ints int64, seed uint64) ([]*infer.Tensor, error) {
	if ints <= 0 {
		ints = 256
	}
	r := rand.New(rand.NewPCG(seed, 0x5eed))
	out := make([]*infer.Tensor, len(ios))
	for i, io := range ios {
		shape, err := resolve(io, shapes[io.Name])
		if err != nil {
			return nil, err
		}
		t, err := infer.NewTensor(io.Elem, shape...)
		if err != nil {
			return nil, fmt.Errorf("conformance: input %s: %w", io.Name, err)
		}
		switch io.Elem {
		case infer.Float32, infer.Float16:
			v := make([]float32, t.Len())
			for j := range v {
				v[j] = float32(r.NormFloat64())
			}
			t.SetFloats(0, v)
		case infer.Int32:
			for j := range t.I32 {
				t.I32[j] = int32(r.Int64N(ints))
			}
		case infer.Int64:
			for j := range t.I64 {
				t.I64[j] = r.Int64N(ints)
			}
		case infer.Uint8:
			for j := range t.U8 {
				t.U8[j] = uint8(r.IntN(256))
			}
		}
		out[i] = t
	}
	return out, nil
}

// Outputs allocates a model's outputs: dynamic dimensions from shapes (by output
// name), else from the first input's matching position, else 1.
func Outputs(ios []infer.IO, shapes map[string][]int64) ([]*infer.Tensor, error) {
	out := make([]*infer.Tensor, len(ios))
	for i, io := range ios {
		shape, err := resolve(io, shapes[io.Name])
		if err != nil {
			return nil, err
		}
		if out[i], err = infer.NewTensor(io.Elem, shape...); err != nil {
			return nil, fmt.Errorf("conformance: output %s: %w", io.Name, err)
		}
	}
	return out, nil
}

func resolve(io infer.IO, hint []int64) ([]int64, error) {
	if hint != nil && len(hint) != len(io.Shape) {
		return nil, fmt.Errorf("conformance: %s has rank %d, the shape given has %d", io.Name, len(io.Shape), len(hint))
	}
	shape := make([]int64, len(io.Shape))
	for i, d := range io.Shape {
		switch {
		case d >= 0:
			shape[i] = d
		case hint != nil:
			shape[i] = hint[i]
		default:
			shape[i] = 1
		}
	}
	return shape, nil
}

// Compare returns the per-output differences of got against ref.
func Compare(model string, ios []infer.IO, got, ref []*infer.Tensor) []Diff {
	diffs := make([]Diff, len(ios))
	for i, io := range ios {
		d := Diff{Model: model, Output: io.Name}
		a, b := values(got[i]), values(ref[i])
		var num, den float64
		for j := range b {
			if math.IsNaN(a[j]) || math.IsInf(a[j], 0) || math.IsNaN(b[j]) || math.IsInf(b[j], 0) {
				d.NaN = true
				continue
			}
			e := a[j] - b[j]
			d.MaxAbs = max(d.MaxAbs, math.Abs(e))
			num += e * e
			den += b[j] * b[j]
		}
		if den > 0 {
			d.RelL2 = math.Sqrt(num / den)
		} else {
			d.RelL2 = math.Sqrt(num)
		}
		diffs[i] = d
	}
	return diffs
}

func values(t *infer.Tensor) []float64 {
	out := make([]float64, t.Len())
	switch t.Elem {
	case infer.Float32, infer.Float16:
		for j, v := range t.AllFloats() {
			out[j] = float64(v)
		}
	case infer.Int32:
		for j, v := range t.I32 {
			out[j] = float64(v)
		}
	case infer.Int64:
		for j, v := range t.I64 {
			out[j] = float64(v)
		}
	case infer.Uint8:
		for j, v := range t.U8 {
			out[j] = float64(v)
		}
	}
	return out
}

// Run opens c on ref and on each other backend, feeds all the same inputs and
// returns the differences of every output of every other backend against ref.
func Run(c Case, ref infer.Backend, others []infer.Backend, seed uint64) (map[string][]Diff, error) {
	rm, err := ref.Open(infer.Spec{Path: c.Path, Name: c.Name, Shapes: c.Shapes})
	if err != nil {
		return nil, fmt.Errorf("conformance: %s on %s: %w", c.Name, ref.Name(), err)
	}
	defer rm.Close()
	in, err := Inputs(rm.Inputs(), c.Shapes, c.Ints, seed)
	if err != nil {
		return nil, err
	}
	want, err := runOnce(rm, in, c.Shapes)
	if err != nil {
		return nil, fmt.Errorf("conformance: %s on %s: %w", c.Name, ref.Name(), err)
	}
	res := map[string][]Diff{}
	for _, b := range others {
		m, err := b.Open(infer.Spec{Path: c.Path, Name: c.Name, Shapes: c.Shapes})
		if err != nil {
			return nil, fmt.Errorf("conformance: %s on %s: %w", c.Name, b.Name(), err)
		}
		got, err := runOnce(m, clone(in), c.Shapes)
		key := b.Name() + ":" + m.Provider()
		m.Close()
		if err != nil {
			return nil, fmt.Errorf("conformance: %s on %s: %w", c.Name, key, err)
		}
		res[key] = Compare(c.Name, rm.Outputs(), got, want)
	}
	return res, nil
}

func runOnce(m infer.Model, in []*infer.Tensor, shapes map[string][]int64) ([]*infer.Tensor, error) {
	out, err := Outputs(m.Outputs(), shapes)
	if err != nil {
		return nil, err
	}
	if err := m.Run(in, out); err != nil {
		return nil, err
	}
	return out, nil
}

// clone copies tensors without their backend handles, so each backend gets its own.
func clone(ts []*infer.Tensor) []*infer.Tensor {
	out := make([]*infer.Tensor, len(ts))
	for i, t := range ts {
		c := *t
		c.Native = nil
		c.Shape = append([]int64(nil), t.Shape...)
		c.F32, c.F16 = append([]float32(nil), t.F32...), append([]uint16(nil), t.F16...)
		c.I32, c.I64, c.U8 = append([]int32(nil), t.I32...), append([]int64(nil), t.I64...), append([]uint8(nil), t.U8...)
		out[i] = &c
	}
	return out
}
