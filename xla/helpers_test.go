package xla_test

import (
	"math"
	"os"
	"sync"
	"testing"

	"github.com/vivid-ml/vivid-ml-engine/engine/infer"
	"github.com/vivid-ml/vivid-ml-engine/onnx"
	"github.com/vivid-ml/vivid-ml-engine/xla"
)

var (
	goOnce sync.Once
	goBack *xla.Backend
	goErr  error
)

// goBackend is one pure-Go backend for the whole test binary.
func goBackend(t testing.TB) *xla.Backend {
	t.Helper()
	goOnce.Do(func() { goBack, goErr = xla.New(xla.Config{Kind: "go"}) })
	if goErr != nil {
		t.Fatal(goErr)
	}
	return goBack
}

// ortBackend is ONNX Runtime on the CPU, the reference.
func ortBackend(t testing.TB) *onnx.Backend {
	t.Helper()
	lib := os.Getenv("ONNXRUNTIME_LIB")
	if lib == "" {
		t.Skip("no ONNX Runtime library")
	}
	b, err := onnx.NewBackend(onnx.BackendConfig{Library: lib, Threads: 1})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// runModel opens path on b, runs the inputs and returns the outputs (shapes from ref
// when given, else the model's static output shapes).
func runModel(t testing.TB, b infer.Backend, path string, in []*infer.Tensor, outShapes [][]int64) []*infer.Tensor {
	t.Helper()
	m, err := b.Open(infer.Spec{Path: path})
	if err != nil {
		t.Fatalf("%s open: %v", b.Name(), err)
	}
	defer m.Close()
	outs := make([]*infer.Tensor, len(m.Outputs()))
	for i, io := range m.Outputs() {
		shape := io.Shape
		if outShapes != nil {
			shape = outShapes[i]
		}
		if outs[i], err = infer.NewTensor(io.Elem, shape...); err != nil {
			t.Fatal(err)
		}
	}
	if err := m.Run(in, outs); err != nil {
		t.Fatalf("%s run: %v", b.Name(), err)
	}
	return outs
}

// maxDiff is the largest |a−b| over two tensors' values (floats or ints).
func maxDiff(t testing.TB, a, b *infer.Tensor) float64 {
	t.Helper()
	if a.Len() != b.Len() {
		t.Fatalf("lengths %d and %d differ", a.Len(), b.Len())
	}
	var worst float64
	for i := range a.Len() {
		d := math.Abs(at(a, i) - at(b, i))
		if math.IsNaN(d) && !(math.IsNaN(at(a, i)) && math.IsNaN(at(b, i))) {
			return math.Inf(1)
		}
		if !math.IsNaN(d) {
			worst = max(worst, d)
		}
	}
	return worst
}

func at(t *infer.Tensor, i int) float64 {
	switch t.Elem {
	case infer.Float32:
		return float64(t.F32[i])
	case infer.Float16:
		return float64(t.AllFloats()[i])
	case infer.Int32:
		return float64(t.I32[i])
	case infer.Int64:
		return float64(t.I64[i])
	case infer.Uint8:
		return float64(t.U8[i])
	}
	return math.NaN()
}
