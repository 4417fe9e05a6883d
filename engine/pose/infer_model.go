package pose

import (
	"fmt"

	"github.com/vivid-ml/vivid-ml-engine/engine/infer"
)

// InferModel runs a MoveNet (int32 NHWC input, float32 output) on any backend of the
// inference contract. The input tensor is allocated once per input size and reused;
// the output once per model.
type InferModel struct {
	m        infer.Model
	in, out  *infer.Tensor
	inH, inW int
}

// OpenModel opens the MoveNet at path on backend b.
func OpenModel(b infer.Backend, path string) (*InferModel, error) {
	m, err := b.Open(infer.Spec{Path: path, Name: "pose"})
	if err != nil {
		return nil, err
	}
	ins, outs := m.Inputs(), m.Outputs()
	if len(ins) != 1 || len(outs) != 1 || ins[0].Elem != infer.Int32 || outs[0].Elem != infer.Float32 {
		m.Close()
		return nil, fmt.Errorf("%w: %s: want one int32 input and one float32 output, got %v → %v", ErrNotMoveNet, path, ins, outs)
	}
	shape, err := outputShape(outs[0].Shape)
	if err != nil {
		m.Close()
		return nil, fmt.Errorf("%w: %s: %w", ErrNotMoveNet, path, err)
	}
	out, err := infer.NewTensor(infer.Float32, shape...)
	if err != nil {
		m.Close()
		return nil, err
	}
	return &InferModel{m: m, out: out}, nil
}

// outputShape resolves MoveNet's output dimensions: [1,1,17,3] single pose,
// [1,6,56] MultiPose; dynamic dimensions take those values.
func outputShape(decl []int64) ([]int64, error) {
	var want []int64
	switch len(decl) {
	case 4:
		want = []int64{1, 1, 17, 3}
	case 3:
		want = []int64{1, 6, 56}
	default:
		return nil, fmt.Errorf("output shape %v is neither [1,1,17,3] nor [1,N,56]", decl)
	}
	out := make([]int64, len(decl))
	for i, d := range decl {
		out[i] = d
		if d < 0 {
			out[i] = want[i]
		}
	}
	return out, nil
}

// InputShape is the model's declared input shape (-1: dynamic).
func (m *InferModel) InputShape() []int64 { return append([]int64(nil), m.m.Inputs()[0].Shape...) }

// Provider is the execution provider that runs the model.
func (m *InferModel) Provider() string { return m.m.Provider() }

// InputBuffer returns the input tensor's data for an h×w input, so the caller
// can write the frame in place; Infer then skips its copy.
func (m *InferModel) InputBuffer(h, w int) ([]int32, error) {
	if m.in == nil || m.inH != h || m.inW != w {
		t, err := infer.NewTensor(infer.Int32, 1, int64(h), int64(w), 3)
		if err != nil {
			return nil, err
		}
		m.in, m.inH, m.inW = t, h, w
	}
	return m.in.I32, nil
}

// Infer implements Model. The returned slice is the model's output buffer, valid
// until the next call.
func (m *InferModel) Infer(in []int32, h, w int) ([]float32, error) {
	data, err := m.InputBuffer(h, w)
	if err != nil {
		return nil, err
	}
	if len(in) > 0 && len(data) > 0 && &in[0] != &data[0] {
		copy(data, in)
	}
	if err := m.m.Run([]*infer.Tensor{m.in}, []*infer.Tensor{m.out}); err != nil {
		return nil, err
	}
	return m.out.F32, nil
}

// Close releases the model.
func (m *InferModel) Close() error {
	if m.m == nil {
		return nil
	}
	err := m.m.Close()
	m.m = nil
	return err
}
