//go:build cgo

package onnx

import (
	"fmt"
	"strconv"

	ort "github.com/yalue/onnxruntime_go"
)

// newOptions builds ORT session options for one provider of the fallback list.
// A failure here (library missing, provider not compiled in) means "skip this provider".
func newOptions(threads int, p ProviderConfig) (*ort.SessionOptions, error) {
	o, err := ort.NewSessionOptions()
	if err != nil {
		return nil, ortError(err)
	}
	if threads > 0 {
		if err := o.SetIntraOpNumThreads(threads); err != nil {
			o.Destroy()
			return nil, ortError(err)
		}
	}
	if err := appendProvider(o, p); err != nil {
		o.Destroy()
		return nil, err
	}
	return o, nil
}

// appendProvider adds provider p to o; see ProviderConfig for the option keys.
func appendProvider(o *ort.SessionOptions, p ProviderConfig) error {
	switch p.Name {
	case ProviderCPU:
		return nil
	case ProviderTensorRT:
		trt, err := ort.NewTensorRTProviderOptions()
		if err != nil {
			return ortError(err)
		}
		defer trt.Destroy()
		if err := trt.Update(p.Options); err != nil {
			return ortError(err)
		}
		return ortError(o.AppendExecutionProviderTensorRT(trt))
	case ProviderCUDA:
		cuda, err := ort.NewCUDAProviderOptions()
		if err != nil {
			return ortError(err)
		}
		defer cuda.Destroy()
		if err := cuda.Update(p.Options); err != nil {
			return ortError(err)
		}
		return ortError(o.AppendExecutionProviderCUDA(cuda))
	case ProviderCoreML:
		return ortError(o.AppendExecutionProviderCoreMLV2(p.Options))
	case ProviderDirectML:
		dev := 0
		if s, ok := p.Options["device_id"]; ok {
			d, err := strconv.Atoi(s)
			if err != nil {
				return fmt.Errorf("directml device_id %q: %w", s, err)
			}
			dev = d
		}
		// DirectML cannot run with memory patterns or parallel execution.
		if err := o.SetMemPattern(false); err != nil {
			return ortError(err)
		}
		if err := o.SetExecutionMode(ort.ExecutionModeSequential); err != nil {
			return ortError(err)
		}
		return ortError(o.AppendExecutionProviderDirectML(dev))
	}
	return fmt.Errorf("%w %q (tensorrt, cuda, coreml, directml, cpu)", ErrUnknownProvider, p.Name)
}

// CheckProvider reports whether ONNX Runtime can add execution provider p (nil) or why
// not, without loading a model — for `devices` listings and early config checks.
func CheckProvider(p ProviderConfig) error {
	if !initialized() {
		return ErrNotInitialized
	}
	o, err := newOptions(0, p)
	if err != nil {
		return err
	}
	return ortError(o.Destroy())
}
