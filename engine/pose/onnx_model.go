package pose

import (
	"errors"
	"fmt"
	"slices"

	"github.com/vivid-ml/vivid-ml-engine/onnx"
)

// ONNXModel runs a MoveNet .onnx (int32 NHWC input, float32 output) through
// ONNX Runtime. The input tensor is allocated once per input size and reused;
// a fully static output is preallocated too.
type ONNXModel struct {
	s        *onnx.Session
	in       *onnx.Tensor[int32]
	inH, inW int
	out      *onnx.Tensor[float32]
}

// OpenONNX opens the model at path (onnx.Init must have run).
func OpenONNX(path string, opts onnx.SessionOptions) (*ONNXModel, error) {
	s, err := onnx.NewSession(path, opts)
	if err != nil {
		return nil, err
	}
	m := &ONNXModel{s: s}
	ins, outs := s.Inputs(), s.Outputs()
	if len(ins) != 1 || len(outs) != 1 || ins[0].Elem != onnx.ElemInt32 || outs[0].Elem != onnx.ElemFloat32 {
		s.Close()
		return nil, fmt.Errorf("%w: %s: want one int32 input and one float32 output, got %v → %v", ErrNotMoveNet, path, ins, outs)
	}
	if shape := outs[0].Shape; !slices.Contains(shape, -1) {
		if m.out, err = onnx.NewTensor[float32](shape...); err != nil {
			s.Close()
			return nil, err
		}
	}
	return m, nil
}

// Provider is the execution provider that runs the model.
func (m *ONNXModel) Provider() string { return m.s.Provider() }

// InputBuffer returns the input tensor's data for an h×w input, so the caller
// can write the frame in place; Infer then skips its copy.
func (m *ONNXModel) InputBuffer(h, w int) ([]int32, error) {
	if m.in == nil || m.inH != h || m.inW != w {
		if m.in != nil {
			m.in.Destroy()
			m.in = nil
		}
		t, err := onnx.NewTensor[int32](1, int64(h), int64(w), 3)
		if err != nil {
			return nil, err
		}
		m.in, m.inH, m.inW = t, h, w
	}
	return m.in.Data(), nil
}

// Infer implements Model.
func (m *ONNXModel) Infer(in []int32, h, w int) ([]float32, error) {
	data, err := m.InputBuffer(h, w)
	if err != nil {
		return nil, err
	}
	if len(in) > 0 && len(data) > 0 && &in[0] != &data[0] {
		copy(data, in)
	}
	if m.out != nil {
		if err := m.s.Run([]onnx.Value{m.in}, []onnx.Value{m.out}); err != nil {
			return nil, err
		}
		return m.out.Data(), nil
	}
	outs, err := m.s.RunAlloc([]onnx.Value{m.in})
	if err != nil {
		return nil, err
	}
	defer outs[0].Destroy()
	t, ok := outs[0].(*onnx.Tensor[float32])
	if !ok {
		return nil, fmt.Errorf("%w: output is %T", ErrNotMoveNet, outs[0])
	}
	return slices.Clone(t.Data()), nil
}

// Close releases the session and tensors.
func (m *ONNXModel) Close() error {
	var errs []error
	if m.in != nil {
		errs = append(errs, m.in.Destroy())
	}
	if m.out != nil {
		errs = append(errs, m.out.Destroy())
	}
	return errors.Join(append(errs, m.s.Close())...)
}
