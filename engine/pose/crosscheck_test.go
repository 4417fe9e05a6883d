package pose

import (
	"log/slog"
	"testing"

	"github.com/vivid-ml/vivid-ml-engine/engine/infer"
)

// fakeMoveNet is a [1,192,192,3] int32 → [1,1,17,3] float32 model whose output is the
// mean of its input scaled, plus off.
type fakeMoveNet struct {
	provider string
	off      float32
}

func (f *fakeMoveNet) Inputs() []infer.IO {
	return []infer.IO{{Name: "input", Elem: infer.Int32, Shape: []int64{1, 192, 192, 3}}}
}
func (f *fakeMoveNet) Outputs() []infer.IO {
	return []infer.IO{{Name: "out", Elem: infer.Float32, Shape: []int64{1, 1, 17, 3}}}
}
func (f *fakeMoveNet) Provider() string { return f.provider }
func (f *fakeMoveNet) Close() error     { return nil }
func (f *fakeMoveNet) Run(in, out []*infer.Tensor) error {
	var s float64
	for _, v := range in[0].I32 {
		s += float64(v)
	}
	for i := range out[0].F32 {
		out[0].F32[i] = float32(s/float64(len(in[0].I32))/255) + f.off
	}
	return nil
}

type fakeBackend struct {
	provider string
	off      float32
	cpu      *fakeBackend
}

func (b *fakeBackend) Name() string { return "fake" }
func (b *fakeBackend) Open(infer.Spec) (infer.Model, error) {
	return &fakeMoveNet{provider: b.provider, off: b.off}, nil
}
func (b *fakeBackend) CPUOnly() infer.Backend { return b.cpu }

func TestOpenModelCrossCheck(t *testing.T) {
	cpu := &fakeBackend{provider: "cpu"}
	log := slog.New(slog.DiscardHandler)
	for _, c := range []struct {
		name string
		off  float32
		want string
	}{{"agrees", 0.001, "cuda"}, {"disagrees", 0.5, "cpu"}} {
		t.Run(c.name, func(t *testing.T) {
			m, err := OpenModelLog(&fakeBackend{provider: "cuda", off: c.off, cpu: cpu}, "fake.onnx", log)
			if err != nil {
				t.Fatal(err)
			}
			defer func() { _ = m.Close() }()
			if got := m.Provider(); got != c.want {
				t.Fatalf("provider %q, want %q", got, c.want)
			}
		})
	}
	// a CPU model is never cross-checked
	m, err := OpenModelLog(cpu, "fake.onnx", log)
	if err != nil || m.Provider() != "cpu" {
		t.Fatalf("cpu backend: %v %v", m, err)
	}
}
