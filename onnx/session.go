//go:build cgo

package onnx

import (
	"errors"
	"fmt"
	"log/slog"
	"reflect"
	"slices"
	"strings"
	"sync"

	ort "github.com/yalue/onnxruntime_go"
)

// Session is one loaded model on the first execution provider that accepted it.
// Run may be called from one goroutine at a time per Session (tensors are shared state).
type Session struct {
	mu       sync.Mutex
	s        *ort.DynamicAdvancedSession
	path     string
	provider string
	skipped  []ProviderSkip
	inputs   []TensorInfo
	outputs  []TensorInfo
	inBuf    []ort.Value // reused by run, guarded by mu
	outBuf   []ort.Value
	deviceIO bool // inputs and outputs bound to device buffers (CUDA, see deviceio.go)
}

// NewSession opens modelPath, trying opts.Providers in order (CPU when empty); each
// provider that fails is recorded in Skipped and logged, and the next one is tried.
func NewSession(modelPath string, opts SessionOptions) (*Session, error) {
	if !initialized() {
		return nil, ErrNotInitialized
	}
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	for _, p := range opts.Providers {
		if !knownProvider(p.Name) {
			return nil, fmt.Errorf("%w %q (tensorrt, cuda, coreml, directml, cpu)", ErrUnknownProvider, p.Name)
		}
	}
	providers := opts.Providers
	if len(providers) == 0 {
		providers = []ProviderConfig{{Name: ProviderCPU}}
	}
	inputs, outputs, err := readInfo(modelPath)
	if err != nil {
		return nil, err
	}
	var skipped []ProviderSkip
	for _, p := range providers {
		p, dev := prepareDeviceIO(p, log)
		s, err := openWith(modelPath, inputs, outputs, opts, p)
		if err != nil && p.Options["enable_cuda_graph"] == "1" {
			log.Warn("CUDA graph capture refused; retrying without it", "model", modelPath, "reason", ortError(err).Error())
			p.Options = withoutKey(p.Options, "enable_cuda_graph")
			s, err = openWith(modelPath, inputs, outputs, opts, p)
		}
		if err != nil {
			skipped = append(skipped, ProviderSkip{Name: p.Name, Reason: err.Error()})
			log.Warn("execution provider skipped", "provider", p.Name, "model", modelPath, "reason", err.Error())
			continue
		}
		log.Info("model loaded", "model", modelPath, "provider", p.Name, "threads", opts.Threads,
			"device_io", dev, "cuda_graph", p.Options["enable_cuda_graph"] == "1")
		return &Session{s: s, path: modelPath, provider: p.Name, skipped: skipped, inputs: inputs, outputs: outputs, deviceIO: dev}, nil
	}
	reasons := make([]string, len(skipped))
	for i, sk := range skipped {
		reasons[i] = sk.Name + ": " + sk.Reason
	}
	return nil, fmt.Errorf("%w %s: %s", ErrNoProvider, modelPath, strings.Join(reasons, "; "))
}

// prepareDeviceIO turns on device-resident I/O for a CUDA provider that asks for it,
// when the device layer can be bound; otherwise it drops the request and the CUDA
// graph option, which needs fixed device addresses, and says why.
func prepareDeviceIO(p ProviderConfig, log *slog.Logger) (ProviderConfig, bool) {
	if p.Name != ProviderCUDA || !p.DeviceIO {
		return p, false
	}
	dev := 0
	fmt.Sscan(p.Options["device_id"], &dev)
	if err := devOpen(dev); err != nil {
		log.Warn("CUDA device I/O off: host tensors, no CUDA graph", "reason", err.Error())
		p.DeviceIO = false
		p.Options = withoutKey(p.Options, "enable_cuda_graph")
		return p, false
	}
	return p, true
}

func withoutKey(m map[string]string, key string) map[string]string {
	out := make(map[string]string, len(m))
	for k, v := range m {
		if k != key {
			out[k] = v
		}
	}
	return out
}

func knownProvider(name string) bool {
	switch name {
	case ProviderTensorRT, ProviderCUDA, ProviderCoreML, ProviderDirectML, ProviderCPU:
		return true
	}
	return false
}

// openWith creates the ORT session for one provider.
func openWith(path string, inputs, outputs []TensorInfo, so SessionOptions, p ProviderConfig) (*ort.DynamicAdvancedSession, error) {
	o, err := newOptions(so.Threads, p)
	if err != nil {
		return nil, err
	}
	defer o.Destroy()
	if so.NoOptimize {
		if err := o.SetGraphOptimizationLevel(ort.GraphOptimizationLevelDisableAll); err != nil {
			return nil, ortError(err)
		}
	}
	s, err := ort.NewDynamicAdvancedSession(path, names(inputs), names(outputs), o)
	if err != nil {
		return nil, ortError(err)
	}
	return s, nil
}

// readInfo reads the model's inputs and outputs (onnxruntime_go needs the names before
// the session exists): from the file with ReadModelIO, else through a throw-away CPU
// session with graph optimisation off, which loads the weights once more.
func readInfo(path string) (in, out []TensorInfo, err error) {
	if in, out, err := ReadModelIO(path); err == nil {
		return in, out, nil
	}
	o, err := ort.NewSessionOptions()
	if err != nil {
		return nil, nil, ortError(err)
	}
	defer o.Destroy()
	if err := o.SetGraphOptimizationLevel(ort.GraphOptimizationLevelDisableAll); err != nil {
		return nil, nil, ortError(err)
	}
	ins, outs, err := ort.GetInputOutputInfoWithOptions(path, o)
	if err != nil {
		return nil, nil, fmt.Errorf("onnx: read model %s: %w", path, ortError(err))
	}
	return infos(ins), infos(outs), nil
}

func infos(src []ort.InputOutputInfo) []TensorInfo {
	dst := make([]TensorInfo, len(src))
	for i, s := range src {
		dst[i] = TensorInfo{Name: s.Name, Elem: ElemType(s.DataType), Shape: append([]int64{}, s.Dimensions...)}
	}
	return dst
}

func names(ts []TensorInfo) []string {
	n := make([]string, len(ts))
	for i, t := range ts {
		n[i] = t.Name
	}
	return n
}

// Provider is the execution provider that opened the model ("cuda", "cpu", …).
func (s *Session) Provider() string { return s.provider }

// Skipped lists the providers tried before Provider and why each failed.
func (s *Session) Skipped() []ProviderSkip { return append([]ProviderSkip(nil), s.skipped...) }

// Inputs are the model's inputs in model order — the order Run expects.
func (s *Session) Inputs() []TensorInfo { return append([]TensorInfo(nil), s.inputs...) }

// Outputs are the model's outputs in model order — the order Run expects.
func (s *Session) Outputs() []TensorInfo { return append([]TensorInfo(nil), s.outputs...) }

// Run runs the model once. inputs and outputs are in model order (Inputs/Outputs);
// outputs must be preallocated with the right shape (use RunAlloc for unknown shapes).
func (s *Session) Run(inputs, outputs []Value) error {
	if len(outputs) != len(s.outputs) {
		return fmt.Errorf("%w: model %s has %d outputs, got %d", ErrValueCount, s.path, len(s.outputs), len(outputs))
	}
	for i, v := range outputs {
		if v == nil || v.ort() == nil {
			return fmt.Errorf("onnx: output %d (%s) is nil or destroyed", i, s.outputs[i].Name)
		}
	}
	_, err := s.run(inputs, outputs)
	return err
}

// RunAlloc runs the model once and lets ONNX Runtime allocate every output; the
// caller must Destroy the returned values. Outputs are in model order, each a *Tensor[T]
// of the output's element type (e.g. out[0].(*onnx.Tensor[float32])).
//
// onnxruntime_go v1.27.0 copies only one byte per element of float16 outputs it allocates
// (createTensorFromOrtValue), so float16 outputs here fail: preallocate them and use Run.
func (s *Session) RunAlloc(inputs []Value) ([]Value, error) {
	for _, o := range s.outputs {
		if o.Elem == ElemFloat16 {
			return nil, fmt.Errorf("onnx: output %s is float16: preallocate it and use Run", o.Name)
		}
	}
	return s.run(inputs, make([]Value, len(s.outputs)))
}

// RunNamed is Run with values by name; every model input and output must be present.
func (s *Session) RunNamed(inputs, outputs map[string]Value) error {
	in, err := byName(s.inputs, inputs, "input")
	if err != nil {
		return err
	}
	out, err := byName(s.outputs, outputs, "output")
	if err != nil {
		return err
	}
	return s.Run(in, out)
}

func byName(infos []TensorInfo, m map[string]Value, what string) ([]Value, error) {
	if len(m) != len(infos) {
		return nil, fmt.Errorf("%w: model has %d %ss (%s), got %d", ErrValueCount, len(infos), what, strings.Join(names(infos), ", "), len(m))
	}
	vs := make([]Value, len(infos))
	for i, info := range infos {
		v, ok := m[info.Name]
		if !ok {
			return nil, fmt.Errorf("%w: %s %q missing", ErrValueCount, what, info.Name)
		}
		vs[i] = v
	}
	return vs, nil
}

// run executes with outputs possibly nil (allocated by ORT); it returns the outputs wrapped.
func (s *Session) run(inputs, outputs []Value) ([]Value, error) {
	if len(inputs) != len(s.inputs) {
		return nil, fmt.Errorf("%w: model %s has %d inputs, got %d", ErrValueCount, s.path, len(s.inputs), len(inputs))
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.s == nil {
		return nil, ErrClosed
	}
	// The ORT value slices are reused between runs (no per-frame allocation).
	in, out := s.inBuf[:0], s.outBuf[:0]
	for i, v := range inputs {
		if v == nil || v.ort() == nil {
			return nil, fmt.Errorf("onnx: input %d (%s) is nil or destroyed", i, s.inputs[i].Name)
		}
		in = append(in, v.ort())
	}
	for _, v := range outputs {
		var o ort.Value
		if v != nil {
			o = v.ort()
		}
		out = append(out, o)
	}
	s.inBuf, s.outBuf = in, out
	if err := s.s.Run(in, out); err != nil {
		destroyAllocated(outputs, out)
		return nil, fmt.Errorf("onnx: run %s: %w", s.path, ortError(err))
	}
	if !slices.Contains(outputs, nil) {
		return outputs, nil
	}
	res := make([]Value, len(outputs))
	var werr error
	for i, v := range outputs {
		if v != nil {
			res[i] = v
			continue
		}
		w, err := wrapOutput(out[i])
		if err != nil {
			werr = errors.Join(werr, fmt.Errorf("output %s: %w", s.outputs[i].Name, err))
			continue
		}
		res[i] = w
	}
	if werr != nil {
		for i, v := range res {
			if outputs[i] == nil && v != nil {
				v.Destroy()
			}
		}
		return nil, werr
	}
	return res, nil
}

// destroyAllocated frees outputs ORT allocated before a failed run.
func destroyAllocated(requested []Value, got []ort.Value) {
	for i, v := range got {
		if requested[i] == nil && v != nil && !reflect.ValueOf(v).IsNil() {
			v.Destroy()
		}
	}
}

// Close releases the native session; later Runs return ErrClosed. Safe to call twice.
func (s *Session) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.s == nil {
		return nil
	}
	err := s.s.Destroy()
	s.s = nil
	return ortError(err)
}
