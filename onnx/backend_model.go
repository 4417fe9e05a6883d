//go:build cgo

package onnx

import (
	"errors"
	"fmt"
	"log/slog"
	"unsafe"

	"github.com/vivid-ml/vivid-ml-engine/engine/infer"
)

// model runs one Session on infer.Tensors whose Go slices ONNX Runtime reads and
// writes in place: each Tensor gets its native value once and keeps it. On the CUDA
// provider with device I/O (see device.go) inputs and outputs live in device buffers.
type model struct {
	s         *Session
	ins, outs []infer.IO
	iv, ov    []Value
	lastT     []*infer.Tensor
	dev       *deviceIO // nil: host tensors
	log       *slog.Logger
}

func newModel(s *Session, spec infer.Spec, log *slog.Logger) (infer.Model, error) {
	ins, err := toIO(s.Inputs())
	if err == nil {
		var outs []infer.IO
		if outs, err = toIO(s.Outputs()); err == nil {
			m := &model{s: s, ins: ins, outs: outs, log: log}
			if s.deviceIO {
				m.dev = newDeviceIO(s)
			}
			return m, nil
		}
	}
	s.Close()
	return nil, fmt.Errorf("onnx: %s: %w", spec.Path, err)
}

func (m *model) Inputs() []infer.IO  { return m.ins }
func (m *model) Outputs() []infer.IO { return m.outs }
func (m *model) Provider() string    { return m.s.Provider() }

// Usage implements infer.Meter: the device buffers bound for I/O (weights and
// workspace are ORT's and are not attributed here).
func (m *model) Usage() infer.Usage {
	if m.dev == nil {
		return infer.Usage{}
	}
	return infer.Usage{DeviceBytes: m.dev.bytes()}
}

func (m *model) Run(in, out []*infer.Tensor) error {
	if m.dev != nil {
		return m.dev.run(in, out)
	}
	if len(m.iv) != len(in) || len(m.ov) != len(out) {
		m.iv, m.ov = make([]Value, len(in)), make([]Value, len(out))
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
		m.releaseStale(append(append([]*infer.Tensor(nil), in...), out...))
	}
	return m.s.Run(m.iv, m.ov)
}

// releaseStale destroys the native values of tensors the model no longer uses
// (after a shape change reallocated them).
func (m *model) releaseStale(now []*infer.Tensor) {
	keep := map[*infer.Tensor]bool{}
	for _, t := range now {
		keep[t] = true
	}
	for _, t := range m.lastT {
		if !keep[t] {
			releaseNative(t)
		}
	}
	m.lastT = now
}

func releaseNative(t *infer.Tensor) {
	if v, ok := t.Native.(Value); ok {
		v.Destroy()
	}
	t.Native = nil
}

func (m *model) Close() error {
	for _, t := range m.lastT {
		releaseNative(t)
	}
	m.lastT = nil
	var err error
	if m.dev != nil {
		err = m.dev.close()
	}
	return errors.Join(err, m.s.Close())
}

// nativeValue returns t's ONNX Runtime tensor, creating it over t's slice on first use.
func nativeValue(t *infer.Tensor) (Value, error) {
	if v, ok := t.Native.(Value); ok {
		return v, nil
	}
	var v Value
	var err error
	switch t.Elem {
	case infer.Float32:
		v, err = NewTensorFrom(t.F32, t.Shape...)
	case infer.Float16:
		h := unsafe.Slice((*Float16)(unsafe.Pointer(&t.F16[0])), len(t.F16))
		v, err = NewTensorFrom(h, t.Shape...)
	case infer.Int32:
		v, err = NewTensorFrom(t.I32, t.Shape...)
	case infer.Int64:
		v, err = NewTensorFrom(t.I64, t.Shape...)
	case infer.Uint8:
		v, err = NewTensorFrom(t.U8, t.Shape...)
	default:
		return nil, fmt.Errorf("onnx: unsupported element type %s", t.Elem)
	}
	if err != nil {
		return nil, err
	}
	t.Native = v
	return v, nil
}
