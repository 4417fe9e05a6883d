package app

import (
	"context"
	"fmt"
	"slices"

	"github.com/vivid-ml/vivid-ml-engine/engine/diffusion"
	"github.com/vivid-ml/vivid-ml-engine/engine/infer"
	"github.com/vivid-ml/vivid-ml-engine/engine/pose"
	"github.com/vivid-ml/vivid-ml-engine/models"
	"github.com/vivid-ml/vivid-ml-engine/onnx"
	"github.com/vivid-ml/vivid-ml-engine/tensorrt"
)

// PoseLoader returns a loader of provisioned pose models (fetched and converted through
// the model store on first use unless offline) on the runtime's backend with the provider
// chain. Callers close the models they load.
func PoseLoader(ctx context.Context, rt *Runtime, threads int, chain []onnx.ProviderConfig) (pose.Loader, error) {
	st, err := rt.Store()
	if err != nil {
		return nil, err
	}
	gpu := slices.ContainsFunc(chain, func(p onnx.ProviderConfig) bool { return WantsGPU(p.Name) })
	b, err := pickChain(ctx, rt, gpu, chain, threads)
	if err != nil {
		return nil, err
	}
	return func(name string) (pose.Model, error) {
		path, err := st.Path(ctx, name)
		if err != nil {
			return nil, err
		}
		m, err := pose.OpenModelLog(b, path, rt.log)
		if err != nil {
			return nil, fmt.Errorf("open %s: %w", name, err)
		}
		return m, nil
	}, nil
}

// PoseProviders parses a pose provider list ("cuda,cpu") into configs; CUDA keeps
// the model's input and output on the GPU when deviceIO is set. These fp32 models
// (MoveNet, segmentation, ESRGAN) run on CUDA with TF32 off: on the H200 TF32 moved the
// selfie mask by 5.7e-3 (rel L2 vs the CPU) and ESRGAN by 2.7e-4, without it 3.5e-6 and
// 5e-7 (docs/gpu.md; what TF32 would save on models this small was not measured).
func PoseProviders(list string, deviceIO bool) ([]onnx.ProviderConfig, error) {
	names, err := diffusion.ParseChain(list)
	if err != nil {
		return nil, err
	}
	out := make([]onnx.ProviderConfig, len(names))
	for i, n := range names {
		out[i] = onnx.ProviderConfig{Name: n}
		if n == onnx.ProviderCUDA {
			out[i].Options = tensorrt.CUDAOptions(0, 0)
			out[i].Options["use_tf32"] = "0"
			out[i].DeviceIO = deviceIO
		}
	}
	return out, nil
}

// OperatorBackend opens the model store and the backend the runtime picks (ONNX Runtime
// on the given provider chain, or GoMLX for --backend xla|go), for the segmentation and
// upscaling models.
func OperatorBackend(ctx context.Context, rt *Runtime, providers string, threads int) (*models.Store, infer.Backend, error) {
	chain, err := PoseProviders(providers, false)
	if err != nil {
		return nil, nil, err
	}
	st, err := rt.Store()
	if err != nil {
		return nil, nil, err
	}
	b, err := pickChain(ctx, rt, WantsGPU(providers), chain, threads)
	if err != nil {
		return nil, nil, err
	}
	return st, b, nil
}

// pickChain is the runtime's backend for models that all run on one provider chain:
// ONNX Runtime on chain with threads, or the GoMLX backend for --backend xla|go.
func pickChain(ctx context.Context, rt *Runtime, gpu bool, chain []onnx.ProviderConfig, threads int) (infer.Backend, error) {
	return rt.Pick(func() (infer.Backend, error) {
		be, err := rt.ORT(ctx, gpu)
		if err != nil {
			return nil, err
		}
		return be.With(func(string) []onnx.ProviderConfig { return chain }, threads), nil
	})
}
