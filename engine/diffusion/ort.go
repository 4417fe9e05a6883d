package diffusion

import (
	"fmt"
	"log/slog"
	"unsafe"

	"github.com/vivid-ml/vivid-ml-engine/onnx"
)

// ORTBackend loads models into ONNX Runtime sessions (onnx.Init must have run), each
// with the execution-provider chain Providers returns for the model's part name.
type ORTBackend struct {
	Threads   int
	Providers func(name string) []onnx.ProviderConfig // nil: CPU only
	Logger    *slog.Logger
}

// Open creates the session; onnx.NewSession logs each provider skipped on the way with ORT's reason.
func (b *ORTBackend) Open(path, name string) (Model, error) {
	log := b.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	var providers []onnx.ProviderConfig
	if b.Providers != nil {
		providers = b.Providers(name)
	}
	s, err := onnx.NewSession(path, onnx.SessionOptions{Threads: b.Threads, Providers: providers, Logger: log})
	if err != nil {
		return nil, err
	}
	ins, outs := s.Inputs(), s.Outputs()
	m := &ortModel{s: s, ins: make([]IO, len(ins)), outs: make([]IO, len(outs))}
	for i, io := range ins {
		m.ins[i] = IO{Name: io.Name, Elem: Elem(io.Elem), Shape: io.Shape}
	}
	for i, io := range outs {
		m.outs[i] = IO{Name: io.Name, Elem: Elem(io.Elem), Shape: io.Shape}
	}
	return m, nil
}

// ortModel runs one onnx.Session on Tensors whose Go slices ONNX Runtime reads and
// writes in place: each Tensor gets its native value once and keeps it.
type ortModel struct {
	s          *onnx.Session
	ins, outs  []IO
	iv, ov     []onnx.Value
	lastT      []*Tensor
	lastValues []onnx.Value
}

func (m *ortModel) Inputs() []IO     { return m.ins }
func (m *ortModel) Outputs() []IO    { return m.outs }
func (m *ortModel) Provider() string { return m.s.Provider() }

func (m *ortModel) Run(in, out []*Tensor) error {
	if len(m.iv) != len(in) || len(m.ov) != len(out) {
		m.iv, m.ov = make([]onnx.Value, len(in)), make([]onnx.Value, len(out))
	}
	changed := len(m.lastT) != len(in)+len(out)
	for i, t := range in {
		v, err := nativeValue(t)
		if err != nil {
			return err
		}
		m.iv[i] = v
		changed = changed || m.lastT[i] != t
	}
	for i, t := range out {
		v, err := nativeValue(t)
		if err != nil {
			return err
		}
		m.ov[i] = v
		changed = changed || m.lastT[len(in)+i] != t
	}
	if changed {
		m.releaseStale(append(append([]*Tensor(nil), in...), out...))
	}
	return m.s.Run(m.iv, m.ov)
}

// releaseStale destroys the native values of tensors the model no longer uses
// (after a shape change reallocated them).
func (m *ortModel) releaseStale(now []*Tensor) {
	keep := map[*Tensor]bool{}
	for _, t := range now {
		keep[t] = true
	}
	for _, t := range m.lastT {
		if !keep[t] {
			if v, ok := t.Native.(onnx.Value); ok {
				v.Destroy()
			}
			t.Native = nil
		}
	}
	m.lastT = now
}

func (m *ortModel) Close() error {
	for _, t := range m.lastT {
		if v, ok := t.Native.(onnx.Value); ok {
			v.Destroy()
		}
		t.Native = nil
	}
	m.lastT = nil
	return m.s.Close()
}

// nativeValue returns t's ONNX Runtime tensor, creating it over t's slice on first use.
func nativeValue(t *Tensor) (onnx.Value, error) {
	if v, ok := t.Native.(onnx.Value); ok {
		return v, nil
	}
	var v onnx.Value
	var err error
	switch t.Elem {
	case Float32:
		v, err = onnx.NewTensorFrom(t.F32, t.Shape...)
	case Float16:
		h := unsafe.Slice((*onnx.Float16)(unsafe.Pointer(&t.F16[0])), len(t.F16))
		v, err = onnx.NewTensorFrom(h, t.Shape...)
	case Int32:
		v, err = onnx.NewTensorFrom(t.I32, t.Shape...)
	case Int64:
		v, err = onnx.NewTensorFrom(t.I64, t.Shape...)
	default:
		return nil, fmt.Errorf("diffusion: unsupported element type %s", t.Elem)
	}
	if err != nil {
		return nil, err
	}
	t.Native = v
	return v, nil
}
