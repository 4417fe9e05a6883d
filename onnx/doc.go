// Package onnx is the engine's thin session layer over ONNX Runtime (through
// github.com/yalue/onnxruntime_go): load the runtime library once, open sessions with
// an execution-provider list that falls back in order, and run them on tensors that
// are allocated once and reused per frame.
//
// Usage:
//
//	if err := onnx.Init(libPath); err != nil { … }          // once per process
//	s, err := onnx.NewSession("model.onnx", onnx.SessionOptions{
//		Providers: []onnx.ProviderConfig{{Name: "cuda"}, {Name: "cpu"}},
//	})
//	defer s.Close()
//	in, _ := onnx.NewTensor[float32](1, 3, 224, 224)       // allocate once …
//	out, _ := onnx.NewTensor[float32](1, 1000)
//	defer in.Destroy(); defer out.Destroy()
//	copy(in.Data(), pixels)                                 // … refill per frame
//	err = s.Run([]onnx.Value{in}, []onnx.Value{out})       // model order, see Session.Inputs
//
// cgo is required; a build without cgo compiles a stub whose functions return ErrNoCgo.
package onnx
