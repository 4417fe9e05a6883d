//go:build cgo

package onnx

import (
	"fmt"
	"slices"
	"unsafe"

	ort "github.com/yalue/onnxruntime_go"

	"github.com/vivid-ml/vivid-ml-engine/engine/infer"
)

// deviceIO runs a CUDA session with every input and output bound to a device buffer
// through an I/O binding: a Run copies the inputs up and the outputs down once each,
// and the buffers keep their addresses from run to run, which is what the CUDA
// provider's graph capture (enable_cuda_graph) needs. A buffer is reallocated, and
// the binding rebuilt, only when a tensor's shape changes.
type deviceIO struct {
	s       *Session
	bind    *ort.IoBinding
	in, out []devSlot
	shaped  bool
	total   int
}

type devSlot struct {
	buf   devBuffer
	shape []int64
	val   *devValue
}

// devValue lends a device OrtValue to onnxruntime_go's IoBinding, which reads only
// GetInternals; the other methods come from a one-element host tensor.
type devValue struct {
	ort.Value
	internals ort.ValueInternalData
}

func (d *devValue) GetInternals() *ort.ValueInternalData { return &d.internals }

func newDevValue(v unsafe.Pointer) (*devValue, error) {
	host, err := ort.NewEmptyTensor[float32](ort.NewShape(1))
	if err != nil {
		return nil, ortError(err)
	}
	d := &devValue{Value: host}
	// ValueInternalData holds exactly one field, the *C.OrtValue.
	*(*unsafe.Pointer)(unsafe.Pointer(&d.internals)) = v
	return d, nil
}

func newDeviceIO(s *Session) *deviceIO { return &deviceIO{s: s} }

func (d *deviceIO) bytes() int64 { return int64(d.total) }

func tensorBytes(t *infer.Tensor) (unsafe.Pointer, int, error) {
	n := t.Len() * t.Elem.Size()
	if n == 0 {
		return nil, 0, fmt.Errorf("onnx: empty or unsupported %s tensor", t.Elem)
	}
	var p unsafe.Pointer
	switch t.Elem {
	case infer.Float32:
		p = unsafe.Pointer(&t.F32[0])
	case infer.Float16:
		p = unsafe.Pointer(&t.F16[0])
	case infer.Int32:
		p = unsafe.Pointer(&t.I32[0])
	case infer.Int64:
		p = unsafe.Pointer(&t.I64[0])
	case infer.Uint8:
		p = unsafe.Pointer(&t.U8[0])
	}
	return p, n, nil
}

// ensure (re)allocates slot for t's shape; it reports whether the binding must be rebuilt.
func (d *deviceIO) ensure(slot *devSlot, t *infer.Tensor) (bool, error) {
	if slot.val != nil && slices.Equal(slot.shape, t.Shape) {
		return false, nil
	}
	d.release(slot)
	_, n, err := tensorBytes(t)
	if err != nil {
		return false, err
	}
	buf, err := devAlloc(n, t.Shape, ElemType(t.Elem))
	if err != nil {
		return false, err
	}
	v, err := newDevValue(buf.value)
	if err != nil {
		buf.free()
		return false, err
	}
	*slot = devSlot{buf: buf, shape: slices.Clone(t.Shape), val: v}
	d.total += n
	return true, nil
}

func (d *deviceIO) release(slot *devSlot) {
	if slot.val == nil {
		return
	}
	slot.val.Value.Destroy()
	slot.buf.free()
	d.total -= slot.buf.bytes
	*slot = devSlot{}
}

func (d *deviceIO) run(in, out []*infer.Tensor) error {
	if len(in) != len(d.s.inputs) || len(out) != len(d.s.outputs) {
		return fmt.Errorf("%w: model %s has %d inputs and %d outputs, got %d and %d",
			ErrValueCount, d.s.path, len(d.s.inputs), len(d.s.outputs), len(in), len(out))
	}
	if d.in == nil {
		d.in, d.out = make([]devSlot, len(in)), make([]devSlot, len(out))
	}
	rebind := d.bind == nil
	for i, t := range in {
		r, err := d.ensure(&d.in[i], t)
		if err != nil {
			return err
		}
		rebind = rebind || r
		p, n, _ := tensorBytes(t)
		if err := d.in[i].buf.toDevice(p, n); err != nil {
			return err
		}
	}
	for i, t := range out {
		r, err := d.ensure(&d.out[i], t)
		if err != nil {
			return err
		}
		rebind = rebind || r
	}
	d.s.mu.Lock()
	defer d.s.mu.Unlock()
	if d.s.s == nil {
		return ErrClosed
	}
	if rebind {
		if err := d.rebind(); err != nil {
			return err
		}
	}
	if err := d.s.s.RunWithBinding(d.bind); err != nil {
		return fmt.Errorf("onnx: run %s: %w", d.s.path, ortError(err))
	}
	for i, t := range out {
		p, n, _ := tensorBytes(t)
		if err := d.out[i].buf.toHost(p, n); err != nil {
			return err
		}
	}
	return nil
}

func (d *deviceIO) rebind() error {
	if d.bind != nil {
		d.bind.Destroy()
		d.bind = nil
	}
	b, err := d.s.s.CreateIoBinding()
	if err != nil {
		return ortError(err)
	}
	for i, io := range d.s.inputs {
		if err := b.BindInput(io.Name, d.in[i].val); err != nil {
			b.Destroy()
			return fmt.Errorf("onnx: bind input %s: %w", io.Name, ortError(err))
		}
	}
	for i, io := range d.s.outputs {
		if err := b.BindOutput(io.Name, d.out[i].val); err != nil {
			b.Destroy()
			return fmt.Errorf("onnx: bind output %s: %w", io.Name, ortError(err))
		}
	}
	d.bind = b
	return nil
}

func (d *deviceIO) close() error {
	if d.bind != nil {
		d.bind.Destroy()
		d.bind = nil
	}
	for i := range d.in {
		d.release(&d.in[i])
	}
	for i := range d.out {
		d.release(&d.out[i])
	}
	return nil
}
