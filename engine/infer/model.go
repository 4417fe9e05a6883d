package infer

import "fmt"

// Model is one loaded graph. Run takes every input and output in model order;
// outputs are preallocated by the caller (shapes resolved) and filled in place.
// Run may be called from one goroutine at a time.
type Model interface {
	Inputs() []IO
	Outputs() []IO
	Run(inputs, outputs []*Tensor) error
	// Provider names what runs it ("cpu", "cuda", "xla:cuda", "go", …).
	Provider() string
	Close() error
}

// Spec says what to open. Name is the model's role ("unet", "text_encoder", "pose", …)
// so a backend can pick per-model options; Shapes are the input shapes the caller will
// feed (by input name), used as TensorRT profiles or XLA compile buckets. Both are hints.
type Spec struct {
	Path   string
	Name   string
	Shapes map[string][]int64
}

// Backend opens models. Implementations are values built once by the application.
type Backend interface {
	// Name is the backend's configured name ("ort", "xla", "go").
	Name() string
	Open(spec Spec) (Model, error)
}

// Usage is what a model holds on its device, where the backend can tell.
type Usage struct {
	DeviceBytes int64 // bytes of device memory attributed to the model; 0 when unknown or on the CPU
}

// Meter is implemented by models that can report their memory use.
type Meter interface {
	Usage() Usage
}

// CheckIO verifies that ts match ios in count, element type and, for static dimensions, shape.
func CheckIO(kind string, ios []IO, ts []*Tensor) error {
	if len(ios) != len(ts) {
		return fmt.Errorf("infer: %d %ss given, the model has %d", len(ts), kind, len(ios))
	}
	for i, io := range ios {
		t := ts[i]
		if t == nil {
			return fmt.Errorf("infer: %s %s is nil", kind, io.Name)
		}
		if t.Elem != io.Elem {
			return fmt.Errorf("infer: %s %s is %s, the model wants %s", kind, io.Name, t.Elem, io.Elem)
		}
		if len(t.Shape) != len(io.Shape) {
			return fmt.Errorf("infer: %s %s has shape %v, the model wants %v", kind, io.Name, t.Shape, io.Shape)
		}
		for j, d := range io.Shape {
			if d >= 0 && t.Shape[j] != d {
				return fmt.Errorf("infer: %s %s has shape %v, the model wants %v", kind, io.Name, t.Shape, io.Shape)
			}
		}
	}
	return nil
}
