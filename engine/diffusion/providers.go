package diffusion

import (
	"fmt"
	"slices"
	"strings"

	"github.com/vivid-ml/vivid-ml-engine/onnx"
	"github.com/vivid-ml/vivid-ml-engine/tensorrt"
)

// Providers is the execution-provider chain for every model of a pipeline, with the
// options of each provider. ONNX Runtime tries them in order and falls back.
type Providers struct {
	Chain        []string            // e.g. tensorrt, cuda, cpu (coreml/directml where built in)
	PerModel     map[string][]string // chain overrides by model part, e.g. text_encoder → cpu
	DeviceID     int
	CUDAMemLimit int64 // bytes; 0 = no limit

	TRTFP16        bool
	TRTCacheDir    string // engine + timing cache root; "" = no caching
	TRTTimingCache bool
	// Size is the static TensorRT profile's square size (default 512). With Dynamic
	// set, the profile spans MinSize..MaxSize and batch 1..2 (for CFG), tuned for Size.
	Size, MinSize, MaxSize int
	Dynamic                bool
	Versions               tensorrt.Versions // ORT/TensorRT/GPU facts for the cache key

	// CUDAOptions are passed to the CUDA provider on top of the defaults
	// (e.g. enable_cuda_graph=1, prefer_nhwc=1, cudnn_conv_algo_search=EXHAUSTIVE); a key
	// MODEL.KEY (unet.enable_cuda_graph) applies to that model part only (ModelParts).
	CUDAOptions map[string]string
	// DeviceIO keeps CUDA models' inputs and outputs in GPU buffers (onnx.ProviderConfig.DeviceIO).
	DeviceIO bool
	// Dims are the model sizes the TensorRT profiles use (FolderDims reads them from a
	// folder's configs); nil = SDXL's.
	Dims *Dims
}

// ParseChain splits a comma-separated provider list and checks the names.
func ParseChain(list string) ([]string, error) {
	var out []string
	for _, n := range strings.Split(list, ",") {
		n = strings.ToLower(strings.TrimSpace(n))
		if n == "" {
			continue
		}
		switch n {
		case onnx.ProviderTensorRT, onnx.ProviderCUDA, onnx.ProviderCoreML, onnx.ProviderDirectML, onnx.ProviderCPU:
			out = append(out, n)
		default:
			return nil, fmt.Errorf("diffusion: unknown execution provider %q (tensorrt, cuda, coreml, directml, cpu)", n)
		}
	}
	if len(out) == 0 {
		out = []string{onnx.ProviderCPU}
	}
	return out, nil
}

// ModelParts are the model names the pipeline opens (keys of Providers.PerModel).
var ModelParts = []string{"text_encoder", "text_encoder_2", "unet", "vae_encoder", "vae_decoder"}

// ParseProviders reads a provider spec: a default chain, then optional per-model chains,
// separated by ';' — e.g. "tensorrt,cuda,cpu;text_encoder=cpu;text_encoder_2=cpu".
func ParseProviders(spec string) (chain []string, perModel map[string][]string, err error) {
	parts := strings.Split(spec, ";")
	if chain, err = ParseChain(parts[0]); err != nil {
		return nil, nil, err
	}
	for _, part := range parts[1:] {
		if strings.TrimSpace(part) == "" {
			continue
		}
		model, list, ok := strings.Cut(part, "=")
		model = strings.TrimSpace(model)
		if !ok || !slices.Contains(ModelParts, model) {
			return nil, nil, fmt.Errorf("diffusion: provider override %q: want MODEL=LIST with MODEL one of %s",
				part, strings.Join(ModelParts, ", "))
		}
		c, err := ParseChain(list)
		if err != nil {
			return nil, nil, err
		}
		if perModel == nil {
			perModel = map[string][]string{}
		}
		perModel[model] = c
	}
	return chain, perModel, nil
}

// For returns the provider configs of one model part ("unet", "text_encoder", …).
func (p Providers) For(model string) ([]onnx.ProviderConfig, error) {
	chain := p.Chain
	if c, ok := p.PerModel[model]; ok {
		chain = c
	}
	var out []onnx.ProviderConfig
	for _, name := range chain {
		pc := onnx.ProviderConfig{Name: name}
		switch name {
		case onnx.ProviderTensorRT:
			o, err := tensorrt.ProviderOptions(tensorrt.Config{
				FP16: p.TRTFP16, CacheDir: p.TRTCacheDir, TimingCache: p.TRTTimingCache && p.TRTCacheDir != "",
				DeviceID: p.DeviceID, Profile: p.profile(model),
			}, model, p.Versions)
			if err != nil {
				return nil, err
			}
			pc.Options = o
		case onnx.ProviderCUDA:
			pc.Options = tensorrt.CUDAOptions(p.DeviceID, p.CUDAMemLimit)
			for k, v := range p.CUDAOptions { // every model's keys first, then this model's
				if !strings.Contains(k, ".") {
					pc.Options[k] = v
				}
			}
			for k, v := range p.CUDAOptions {
				m, key, ok := strings.Cut(k, ".")
				if !ok {
					continue
				}
				if !slices.Contains(ModelParts, m) || key == "" {
					return nil, fmt.Errorf("diffusion: CUDA option %q: want KEY or MODEL.KEY with MODEL one of %s",
						k, strings.Join(ModelParts, ", "))
				}
				if m == model {
					pc.Options[key] = v
				}
			}
			pc.DeviceIO = p.DeviceIO
		case onnx.ProviderDirectML:
			pc.Options = map[string]string{"device_id": fmt.Sprint(p.DeviceID)}
		}
		out = append(out, pc)
	}
	return out, nil
}

// profile is the TensorRT shape profile of a model part, under Optimum's input names.
func (p Providers) profile(model string) tensorrt.Profile {
	size := p.Size
	if size == 0 {
		size = 512
	}
	d := SDXLDims()
	if p.Dims != nil {
		d = *p.Dims
	}
	ch := int64(d.LatentCh)
	shapes := func(batch int64, s int) tensorrt.Shapes {
		S, L := int64(s), int64(s/d.VAEScale)
		switch model {
		case "text_encoder", "text_encoder_2":
			return tensorrt.Shapes{"input_ids": {1, SeqLen}}
		case "unet":
			sh := tensorrt.Shapes{"sample": {batch, ch, L, L}, "timestep": {batch}, "encoder_hidden_states": {batch, SeqLen, int64(d.Context)}}
			if d.Family == SDXL {
				sh["text_embeds"], sh["time_ids"] = []int64{batch, int64(d.Pooled)}, []int64{batch, int64(d.TimeIDs)}
			}
			return sh
		case "vae_encoder":
			return tensorrt.Shapes{"sample": {1, 3, S, S}}
		case "vae_decoder":
			return tensorrt.Shapes{"latent_sample": {1, ch, L, L}}
		}
		return nil
	}
	if shapes(1, size) == nil {
		return tensorrt.Profile{}
	}
	if !p.Dynamic {
		return tensorrt.Static(shapes(1, size))
	}
	lo, hi := p.MinSize, p.MaxSize
	if lo == 0 {
		lo = 256
	}
	if hi == 0 {
		hi = 1024
	}
	return tensorrt.Profile{Min: shapes(1, lo), Opt: shapes(1, size), Max: shapes(2, hi)}
}
