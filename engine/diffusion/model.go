package diffusion

import "fmt"

// IO describes one model input or output as the model declares it; -1 is a dynamic dimension.
type IO struct {
	Name  string
	Elem  Elem
	Shape []int64
}

func (io IO) String() string { return fmt.Sprintf("%s %s%v", io.Name, io.Elem, io.Shape) }

// Model is one loaded ONNX graph. Run takes every input and output in model order;
// outputs are preallocated by the caller and filled in place.
type Model interface {
	Inputs() []IO
	Outputs() []IO
	Run(inputs, outputs []*Tensor) error
	Provider() string // execution provider that runs it ("cpu", "cuda", …)
	Close() error
}

// Backend opens models; name is the model's part ("unet", "text_encoder", …) so a
// backend can pick per-model options (e.g. TensorRT shape profiles).
type Backend interface {
	Open(path, name string) (Model, error)
}
