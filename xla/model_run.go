package xla

import (
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sort"
	"strings"
	"time"
	"unsafe"

	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/pkg/core/dtypes"
	"github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/shapes"
	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/x448/float16"

	"github.com/vivid-ml/vivid-ml-engine/engine/convert"
	"github.com/vivid-ml/vivid-ml-engine/engine/infer"
	"github.com/vivid-ml/vivid-ml-engine/onnx/onnxpb"
)

// weightMin is the element count from which a float initializer is a device-resident
// weight (a graph parameter uploaded once) instead of a compile-time constant.
const weightMin = 64

// model is one ONNX file on a GoMLX backend: weights live on the device from Open
// to Close; one compiled program per input-shape bucket.
type model struct {
	b         *Backend
	om        *onnxModel
	ins, outs []infer.IO
	inDT      []onnxpb.TensorProto_DataType
	outDT     []onnxpb.TensorProto_DataType
	wNames    []string          // weights in parameter order
	wBufs     []backends.Buffer // on the device
	wBytes    int64
	ohwi      map[string]bool // Conv kernels held [O, spatial…, I/g] (the nhwc conv layout)
	narrowed  map[string]bool // float32 weights held as float16 (Config.HalfWeights)
	log       *slog.Logger
}

// program is the model compiled for one bucket.
type program struct {
	g       *graph.Graph
	compile time.Duration
	outDT   []dtypes.DType
	dims    [][]int
}

func newModel(b *Backend, om *onnxModel, spec infer.Spec) (*model, error) {
	m := &model{b: b, om: om, log: b.log.With("model", spec.Path)}
	isInit := map[string]bool{}
	for name := range om.consts {
		isInit[name] = true
	}
	var err error
	for _, vi := range om.graph.GetInput() {
		if isInit[vi.GetName()] {
			continue // an initializer listed as an input (IR < 4): a constant here
		}
		io, dt, e := ioOf(vi)
		err = errors.Join(err, e)
		m.ins, m.inDT = append(m.ins, io), append(m.inDT, dt)
	}
	for _, vi := range om.graph.GetOutput() {
		io, dt, e := ioOf(vi)
		err = errors.Join(err, e)
		m.outs, m.outDT = append(m.outs, io), append(m.outDT, dt)
	}
	if err != nil {
		return nil, fmt.Errorf("xla: %s: %w", spec.Path, err)
	}
	if b.nhwc {
		m.ohwi = convKernels(om)
		for name := range m.ohwi {
			toOHWI(om.consts[name]) // on the host, once: the device never transposes them
		}
	}
	narrow := b.half && slices.Contains(b.cfg.HalfWeights, spec.Name)
	for name, h := range om.consts {
		if h.len() >= weightMin && (h.f32 != nil || h.f16 != nil) {
			m.wNames = append(m.wNames, name)
			if narrow && h.f32 != nil {
				if m.narrowed == nil {
					m.narrowed = map[string]bool{}
				}
				m.narrowed[name] = true
			}
		}
	}
	if narrow {
		m.log.Info("float32 weights held as float16", "model", spec.Name, "tensors", len(m.narrowed))
	}
	sort.Strings(m.wNames)
	for _, name := range m.wNames {
		buf, n, err := m.upload(om.consts[name], m.narrowed[name])
		if err != nil {
			m.Close()
			return nil, fmt.Errorf("xla: %s: weight %q: %w", spec.Path, name, err)
		}
		m.wBufs = append(m.wBufs, buf)
		m.wBytes += n
		delete(om.consts, name) // the device holds it now
	}
	m.log.Debug("weights uploaded", "tensors", len(m.wBufs), "bytes", m.wBytes)
	return m, nil
}

func ioOf(vi *onnxpb.ValueInfoProto) (infer.IO, onnxpb.TensorProto_DataType, error) {
	tt := vi.GetType().GetTensorType()
	dt := onnxpb.TensorProto_DataType(tt.GetElemType())
	io := infer.IO{Name: vi.GetName(), Elem: infer.DType(dt)}
	switch io.Elem {
	case infer.Float32, infer.Float16, infer.Int32, infer.Int64, infer.Uint8:
	default:
		return io, dt, fmt.Errorf("%s: element type %s is not in the inference contract", vi.GetName(), dt)
	}
	for _, d := range tt.GetShape().GetDim() {
		if d.GetDimParam() != "" || d.Value == nil {
			io.Shape = append(io.Shape, -1)
		} else {
			io.Shape = append(io.Shape, d.GetDimValue())
		}
	}
	return io, dt, nil
}

// upload puts a host weight on the device in the graph's dtype (narrow: a float32
// weight as float16).
func (m *model) upload(h *hostT, narrow bool) (backends.Buffer, int64, error) {
	sh := shapes.Make(dtypes.Float32, h.dims...)
	var flat any = h.f32
	switch {
	case narrow:
		f := make([]float16.Float16, len(h.f32))
		for i, v := range h.f32 {
			f[i] = float16.Fromfloat32(v)
		}
		sh.DType, flat = dtypes.Float16, f
	case h.f16 != nil && m.b.half:
		sh.DType, flat = dtypes.Float16, halfSlice(h.f16)
	case h.f16 != nil:
		f := make([]float32, len(h.f16))
		for i, v := range h.f16 {
			f[i] = convert.Float32From16(v)
		}
		flat = f
	}
	buf, err := m.b.be.BufferFromFlatData(0, flat, sh)
	return buf, int64(sh.Memory()), err
}

func halfSlice(u []uint16) []float16.Float16 {
	if len(u) == 0 {
		return nil
	}
	return unsafe.Slice((*float16.Float16)(unsafe.Pointer(&u[0])), len(u))
}

func (m *model) Inputs() []infer.IO  { return m.ins }
func (m *model) Outputs() []infer.IO { return m.outs }
func (m *model) Provider() string    { return m.b.provider }

// Usage implements infer.Meter: the weights held on the device.
func (m *model) Usage() infer.Usage {
	if m.b.provider == "go" {
		return infer.Usage{}
	}
	return infer.Usage{DeviceBytes: m.wBytes}
}

// specShapes returns the bucket named by spec.Shapes when it covers every input.
func (m *model) specShapes(spec infer.Spec) ([][]int, bool) {
	if len(spec.Shapes) == 0 {
		return nil, false
	}
	out := make([][]int, len(m.ins))
	for i, io := range m.ins {
		s, ok := spec.Shapes[io.Name]
		if !ok {
			if !io.Static() {
				return nil, false
			}
			s = io.Shape
		}
		for _, d := range s {
			out[i] = append(out[i], int(d))
		}
	}
	return out, true
}

func bucketKey(dims [][]int) string {
	var b strings.Builder
	for _, d := range dims {
		fmt.Fprint(&b, d, ";")
	}
	return b.String()
}

// program returns the compiled program for the bucket, compiling it on first use
// (programs are shared by every model opened from the same file on this backend).
func (m *model) program(dims [][]int) (*program, error) {
	return m.cached(m.om.key+"|"+bucketKey(dims), "", dims, func() (*program, error) { return m.compile(dims) })
}

// cached returns the program under key, compiling it with build (timed and logged) on
// first use; wrapper names the wrapped program ("" for the model's own).
func (m *model) cached(key, wrapper string, dims [][]int, build func() (*program, error)) (*program, error) {
	m.b.mu.Lock()
	defer m.b.mu.Unlock()
	if p, ok := m.b.progs[key]; ok {
		return p, nil
	}
	start := time.Now()
	p, err := build()
	if err != nil {
		return nil, err
	}
	p.compile = time.Since(start)
	m.b.progs[key] = p
	attrs := []any{"provider", m.b.provider, "shapes", bucketKey(dims), "ms", p.compile.Milliseconds()}
	if wrapper != "" {
		attrs = append(attrs, "wrapper", wrapper)
	}
	m.log.Info("compiled", attrs...)
	return p, nil
}

// CompileTime reports how long the bucket of the given input shapes took to lower and
// compile (zero when it is not compiled).
func CompileTime(mod infer.Model, shapes [][]int64) time.Duration {
	m, ok := mod.(*model)
	if !ok {
		return 0
	}
	dims := make([][]int, len(shapes))
	for i, s := range shapes {
		dims[i] = int64s(s)
	}
	m.b.mu.Lock()
	defer m.b.mu.Unlock()
	if p, ok := m.b.progs[m.om.key+"|"+bucketKey(dims)]; ok {
		return p.compile
	}
	return 0
}

func (m *model) Run(in, out []*infer.Tensor) error {
	if err := infer.CheckIO("input", m.ins, in); err != nil {
		return err
	}
	if err := infer.CheckIO("output", m.outs, out); err != nil {
		return err
	}
	dims := make([][]int, len(in))
	for i, t := range in {
		for _, d := range t.Shape {
			dims[i] = append(dims[i], int(d))
		}
	}
	p, err := m.program(dims)
	if err != nil {
		return err
	}
	for i, t := range out {
		if !equalInts(int64s(t.Shape), p.dims[i]) {
			return fmt.Errorf("xla: output %s has shape %v, the model computes %v", m.outs[i].Name, t.Shape, p.dims[i])
		}
	}
	bufs := make([]backends.Buffer, 0, len(in)+len(m.wBufs))
	donate := make([]bool, 0, cap(bufs))
	for i, t := range in {
		buf, err := m.inputBuffer(t, dims[i])
		if err != nil {
			for _, b := range bufs {
				m.b.be.BufferFinalize(b)
			}
			return fmt.Errorf("xla: input %s: %w", m.ins[i].Name, err)
		}
		bufs, donate = append(bufs, buf), append(donate, true)
	}
	for _, w := range m.wBufs {
		bufs, donate = append(bufs, w), append(donate, false)
	}
	results, err := execute(p.g, bufs, donate)
	if err != nil {
		return fmt.Errorf("xla: %s: %w", m.om.path, err)
	}
	defer func() {
		for _, r := range results {
			r.FinalizeAll()
		}
	}()
	for i, r := range results {
		if err := copyOut(r, out[i]); err != nil {
			return fmt.Errorf("xla: output %s: %w", m.outs[i].Name, err)
		}
	}
	return nil
}

func int64s(s []int64) []int {
	out := make([]int, len(s))
	for i, v := range s {
		out[i] = int(v)
	}
	return out
}

func execute(g *graph.Graph, bufs []backends.Buffer, donate []bool) (out []*tensors.Tensor, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("execute: %v", r)
		}
	}()
	return g.RunWithBuffers(bufs, donate, 0), nil
}

// inputBuffer uploads one input (fp16 widened to float32 on backends without half).
func (m *model) inputBuffer(t *infer.Tensor, dims []int) (backends.Buffer, error) {
	flat, dt := m.b.hostFlat(t)
	if flat == nil {
		return nil, fmt.Errorf("element type %s is not supported", t.Elem)
	}
	return m.b.be.BufferFromFlatData(0, flat, shapes.Make(dt, dims...))
}

// hostFlat is t's data as the flat slice and dtype this backend's graphs take (fp16
// widened to float32 on backends without half); nil for an unsupported element type.
func (b *Backend) hostFlat(t *infer.Tensor) (any, dtypes.DType) {
	switch t.Elem {
	case infer.Float32:
		return t.F32, dtypes.Float32
	case infer.Float16:
		if b.half {
			return halfSlice(t.F16), dtypes.Float16
		}
		return t.AllFloats(), dtypes.Float32
	case infer.Int32:
		return t.I32, dtypes.Int32
	case infer.Int64:
		return t.I64, dtypes.Int64
	case infer.Uint8:
		return t.U8, dtypes.Uint8
	}
	return nil, dtypes.InvalidDType
}

// copyOut copies a result into the caller's tensor, converting float widths.
func copyOut(r *tensors.Tensor, t *infer.Tensor) error {
	var err error
	if e := r.ConstFlatData(func(flat any) {
		switch f := flat.(type) {
		case []float32:
			if t.Elem == infer.Float16 || t.Elem == infer.Float32 {
				t.SetFloats(0, f)
				return
			}
		case []float16.Float16:
			if t.Elem == infer.Float16 {
				copy(t.F16, unsafe.Slice((*uint16)(unsafe.Pointer(unsafe.SliceData(f))), len(f)))
				return
			}
			if t.Elem == infer.Float32 {
				for i, v := range f {
					t.F32[i] = v.Float32()
				}
				return
			}
		case []int64:
			if t.Elem == infer.Int64 {
				copy(t.I64, f)
				return
			}
		case []int32:
			if t.Elem == infer.Int32 {
				copy(t.I32, f)
				return
			}
		case []uint8:
			if t.Elem == infer.Uint8 {
				copy(t.U8, f)
				return
			}
		}
		err = fmt.Errorf("result type %T does not fit a %s tensor", flat, t.Elem)
	}); e != nil {
		return e
	}
	return err
}

func (m *model) Close() error {
	var err error
	for _, b := range m.wBufs {
		err = errors.Join(err, m.b.be.BufferFinalize(b))
	}
	m.wBufs = nil
	return err
}

// OutputShape compiles the bucket of in (if needed) and returns the shape the named
// output has for it: how a caller sizes outputs that the model declares dynamic.
func OutputShape(mod infer.Model, in []*infer.Tensor, name string) ([]int64, error) {
	m, ok := mod.(*model)
	if !ok {
		return nil, fmt.Errorf("xla: %T is not an xla model", mod)
	}
	dims := make([][]int, len(in))
	for i, t := range in {
		dims[i] = int64s(t.Shape)
	}
	p, err := m.program(dims)
	if err != nil {
		return nil, err
	}
	for i, io := range m.outs {
		if io.Name == name {
			out := make([]int64, len(p.dims[i]))
			for j, d := range p.dims[i] {
				out[j] = int64(d)
			}
			return out, nil
		}
	}
	return nil, fmt.Errorf("xla: the model has no output %q", name)
}
