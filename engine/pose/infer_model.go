package pose

import (
	"fmt"
	"log/slog"
	"math"

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

// CPUReference is implemented by backends that can open the same model on their CPU
// provider (onnx.Backend). OpenModel uses it to check a GPU provider's output once.
type CPUReference interface {
	CPUOnly() infer.Backend
}

// crossCheckTol is the largest difference (normalized coordinates and scores) allowed
// between a GPU provider and the CPU on the check frame: a few heat-map cells, so TF32
// rounding passes and a wrong kernel does not.
const crossCheckTol = 0.05

// OpenModel opens the MoveNet at path on backend b. When b runs it on a provider other
// than the CPU and can open it on the CPU too (CPUReference), both run one synthetic
// frame; if they disagree the model runs on the CPU and the reason is logged (seen on the
// H200: ONNX Runtime 1.29's CUDA provider returns other keypoints than its CPU provider for
// all three MoveNets, while XLA on the same GPU matches the CPU to 1e-7 — docs/gpu.md).
func OpenModel(b infer.Backend, path string) (*InferModel, error) {
	return OpenModelLog(b, path, slog.Default())
}

// OpenModelLog is OpenModel logging to log.
func OpenModelLog(b infer.Backend, path string, log *slog.Logger) (*InferModel, error) {
	m, err := openModel(b, path)
	if err != nil {
		return nil, err
	}
	ref, ok := b.(CPUReference)
	if !ok || m.Provider() == "cpu" {
		return m, nil
	}
	c, err := openModel(ref.CPUOnly(), path)
	if err != nil {
		return m, nil //nolint:nilerr // no CPU reference: keep the provider chosen
	}
	diff, err := crossCheck(m, c)
	if err == nil && diff <= crossCheckTol {
		_ = c.Close()
		return m, nil
	}
	reason := fmt.Sprintf("max difference %.3g on the check frame (limit %g)", diff, crossCheckTol)
	if err != nil {
		reason = err.Error()
	}
	log.Warn("pose model disagrees with the CPU on this provider; running it on the CPU",
		"model", path, "provider", m.Provider(), "reason", reason)
	_ = m.Close()
	return c, nil
}

// crossCheck runs one deterministic frame (smooth gradients and a bright blob, the model's
// input size) on a and b and returns the largest output difference.
func crossCheck(a, b *InferModel) (float64, error) {
	side := 256
	if s := a.InputShape(); len(s) == 4 && s[1] > 0 {
		side = int(s[1])
	}
	in := make([]int32, side*side*3)
	for y := range side {
		for x := range side {
			dx, dy := float64(x-side/2), float64(y-side/3)
			blob := 200 * math.Exp(-(dx*dx+dy*dy)/float64(side*side/32))
			for c := range 3 {
				v := float64((x*(c+1)+y*(3-c))%256)*0.2 + blob
				in[(y*side+x)*3+c] = int32(min(255, v))
			}
		}
	}
	oa, err := a.Infer(in, side, side)
	if err != nil {
		return 0, err
	}
	oa = append([]float32(nil), oa...)
	ob, err := b.Infer(in, side, side)
	if err != nil {
		return 0, err
	}
	d := 0.0
	for i := range min(len(oa), len(ob)) {
		v := math.Abs(float64(oa[i] - ob[i]))
		if math.IsNaN(v) {
			return math.Inf(1), nil
		}
		d = max(d, v)
	}
	return d, nil
}

func openModel(b infer.Backend, path string) (*InferModel, error) {
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
