//go:build gpucheck

// Package gpucheck is the GPU machine's check of the inference contract: every model
// of a real-architecture SDXL folder ($VIVID_SDXL_DIR) and the MoveNets ($VIVID_POSE_DIR)
// through ONNX Runtime's CUDA provider against its CPU provider, on the same inputs.
// Built here with `go test -c -tags gpucheck`, run there (scripts/gpu/h200_ort.sh).
package gpucheck

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/vivid-ml/vivid-ml-engine/engine/infer"
	"github.com/vivid-ml/vivid-ml-engine/engine/infer/conformance"
	"github.com/vivid-ml/vivid-ml-engine/onnx"
	"github.com/vivid-ml/vivid-ml-engine/tensorrt"
)

// variant is one way of running a model on the CUDA provider.
type variant struct {
	label string
	b     infer.Backend
	ref   infer.Backend // the CPU reference it is compared with; nil: the default one
}

// backends returns the ORT CPU reference and the CUDA variants: device-bound I/O (the
// engine's default), host tensors, and host tensors with TF32 off (use_tf32=0), so a
// difference can be told apart as the I/O binding's, TF32's or the provider's.
func backends(t *testing.T, all bool) (infer.Backend, []variant) {
	lib := os.Getenv("ONNXRUNTIME_LIB")
	if lib == "" {
		t.Skip("set ONNXRUNTIME_LIB to the ONNX Runtime core with the CUDA provider beside it")
	}
	cpu, err := onnx.NewBackend(onnx.BackendConfig{Library: lib})
	if err != nil {
		t.Fatal(err)
	}
	cuda := func(dev, tf32 bool) infer.Backend {
		opts := tensorrt.CUDAOptions(0, 0)
		if !tf32 {
			opts["use_tf32"] = "0"
		}
		return cpu.With(func(string) []onnx.ProviderConfig {
			return []onnx.ProviderConfig{{Name: onnx.ProviderCUDA, Options: opts, DeviceIO: dev}}
		}, -1)
	}
	vs := []variant{{"device-io", cuda(true, true), nil}}
	if all {
		vs = append(vs, variant{"host-io", cuda(false, true), nil}, variant{"host-io-no-tf32", cuda(false, false), nil}, variant{"device-io-no-tf32", cuda(true, false), nil},
			// graph optimisations off on both sides: is the difference a fused kernel's?
			variant{"host-io-noopt", cuda(false, true).(*onnx.Backend).Unoptimized(), cpu.Unoptimized()})
	}
	return cpu, vs
}

type result struct {
	Model, Output, Backend, Variant string
	MaxAbs, RelL2                   float64
	NaN                             bool
	Limit                           float64
}

// check compares c on every CUDA variant with the CPU; the first variant (the engine's
// default path) must be within limit, the others are reported for diagnosis.
func check(t *testing.T, c conformance.Case, limit float64, all bool) {
	ref, vs := backends(t, all)
	if _, err := os.Stat(c.Path); err != nil {
		t.Skip(err)
	}
	enc := json.NewEncoder(os.Stdout)
	for i, v := range vs {
		r := ref
		if v.ref != nil {
			r = v.ref
		}
		res, err := conformance.Run(c, r, []infer.Backend{v.b}, 7)
		if err != nil {
			t.Fatal(err)
		}
		for backend, diffs := range res {
			for _, d := range diffs {
				enc.Encode(result{Model: d.Model, Output: d.Output, Backend: backend, Variant: v.label, MaxAbs: d.MaxAbs, RelL2: d.RelL2, NaN: d.NaN, Limit: limit})
				if i == 0 && (d.NaN || d.RelL2 > limit) {
					t.Errorf("%s (%s) vs cpu: %s (limit rel L2 %g)", backend, v.label, d, limit)
				}
			}
		}
	}
}

func textShapes() map[string][]int64 {
	s := map[string][]int64{"input_ids": {1, 77}, "last_hidden_state": {1, 77, -1}, "pooler_output": {1, -1}, "text_embeds": {1, -1}}
	for i := range 40 {
		s["hidden_states."+strconv.Itoa(i)] = []int64{1, 77, -1}
	}
	return s
}

// TestSDXLPartsCUDAvsCPU: fp32 text encoders within 1e-2 relative L2 (the CUDA provider
// uses TF32 matmuls), fp16 UNet/VAE/TAESD within 3e-2 (fp16 accumulation order).
func TestSDXLPartsCUDAvsCPU(t *testing.T) {
	dir := os.Getenv("VIVID_SDXL_DIR")
	if dir == "" {
		t.Skip("set VIVID_SDXL_DIR")
	}
	lat, img := []int64{1, 4, 64, 64}, []int64{1, 3, 512, 512}
	cases := []struct {
		name   string
		shapes map[string][]int64
		limit  float64
	}{
		{"text_encoder", textShapes(), 1e-2},
		{"text_encoder_2", textShapes(), 1e-2},
		{"unet", map[string][]int64{"sample": lat, "timestep": {1}, "encoder_hidden_states": {1, 77, 2048},
			"text_embeds": {1, 1280}, "time_ids": {1, 6}, "out_sample": lat}, 3e-2},
		{"vae_encoder", map[string][]int64{"sample": img, "latent_parameters": {1, 8, 64, 64}}, 3e-2},
		{"vae_decoder", map[string][]int64{"latent_sample": lat, "sample": img}, 3e-2},
		{"taesd_encoder", map[string][]int64{"sample": img, "latent_sample": lat}, 3e-2},
		{"taesd_decoder", map[string][]int64{"latent_sample": lat, "sample": img}, 3e-2},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			check(t, conformance.Case{Name: c.name, Path: filepath.Join(dir, c.name, "model.onnx"), Shapes: c.shapes, Ints: 1000}, c.limit, false)
		})
	}
}

// TestMoveNetCUDAvsCPU: the three MoveNets on CUDA equal the CPU within 1e-4.
func TestMoveNetCUDAvsCPU(t *testing.T) {
	dir := os.Getenv("VIVID_POSE_DIR")
	if dir == "" {
		t.Skip("set VIVID_POSE_DIR")
	}
	for name, side := range map[string]int64{"movenet-lightning": 192, "movenet-thunder": 256, "movenet-multipose": 256} {
		t.Run(name, func(t *testing.T) {
			check(t, conformance.Case{Name: name, Path: filepath.Join(dir, name+".onnx"),
				Shapes: map[string][]int64{"input": {1, side, side, 3}}, Ints: 256}, 1e-4, true)
		})
	}
}

// TestOperatorsCUDAvsCPU: the segmentation and upscaling models (the operator cache of
// `models fetch`, $VIVID_OPS_DIR/<name>/<version>/model.onnx) on CUDA equal the CPU.
func TestOperatorsCUDAvsCPU(t *testing.T) {
	dir := os.Getenv("VIVID_OPS_DIR")
	if dir == "" {
		t.Skip("set VIVID_OPS_DIR")
	}
	esrgan := map[string][]int64{"LR": {1, 128, 128, 3}, "SR": {1, 256, 256, 3}}
	for name, shapes := range map[string]map[string][]int64{"selfie": nil, "meet": nil,
		"esrgan-slim-x2": esrgan, "esrgan-medium-x2": esrgan} {
		t.Run(name, func(t *testing.T) {
			paths, _ := filepath.Glob(filepath.Join(dir, name, "*", "model.onnx"))
			if len(paths) == 0 {
				t.Skip("no model.onnx under " + filepath.Join(dir, name))
			}
			check(t, conformance.Case{Name: name, Path: paths[0], Shapes: shapes}, 1e-3, true)
		})
	}
}

// TestDebugAllOutputs bisects a CUDA-vs-CPU difference: each $VIVID_DEBUG_MODELS entry
// (name=path=d0:d1:… for the input "input") is a model whose every intermediate is also a
// graph output (scripts/gpu/all_outputs.py); one JSON line per output, in node order,
// on host tensors with TF32 off. Diagnostic only: it fails on nothing but errors.
func TestDebugAllOutputs(t *testing.T) {
	spec := os.Getenv("VIVID_DEBUG_MODELS")
	if spec == "" {
		t.Skip("set VIVID_DEBUG_MODELS")
	}
	ref, vs := backends(t, true)
	enc := json.NewEncoder(os.Stdout)
	for _, e := range strings.Split(spec, ",") {
		parts := strings.SplitN(e, "=", 3)
		if len(parts) != 3 {
			t.Fatalf("VIVID_DEBUG_MODELS entry %q: want name=path=d0:d1:…", e)
		}
		var shape []int64
		for _, d := range strings.Split(parts[2], ":") {
			n, err := strconv.ParseInt(d, 10, 64)
			if err != nil {
				t.Fatal(err)
			}
			shape = append(shape, n)
		}
		for _, v := range vs {
			if v.label != "host-io-no-tf32" && v.label != "device-io" {
				continue
			}
			res, err := conformance.Run(conformance.Case{Name: parts[0], Path: parts[1], Shapes: map[string][]int64{"input": shape}, Ints: 256}, ref, []infer.Backend{v.b}, 7)
			if err != nil {
				t.Errorf("%s (%s): %v", parts[0], v.label, err)
				continue
			}
			for backend, diffs := range res {
				for i, d := range diffs {
					enc.Encode(struct {
						result
						Index int
					}{result{Model: d.Model, Output: d.Output, Backend: backend, Variant: v.label, MaxAbs: d.MaxAbs, RelL2: d.RelL2, NaN: d.NaN}, i})
				}
			}
		}
	}
}
