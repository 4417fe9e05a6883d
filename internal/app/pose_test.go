package app

import (
	"testing"

	"github.com/vivid-ml/vivid-ml-engine/onnx"
)

// The fp32 operator models run on CUDA with TF32 off (the H200 showed TF32 moving the
// selfie mask by 5.7e-3 rel L2); the CPU entry carries no CUDA options.
func TestPoseProvidersCUDAWithoutTF32(t *testing.T) {
	chain, err := PoseProviders("cuda,cpu", true)
	if err != nil {
		t.Fatal(err)
	}
	if len(chain) != 2 || chain[0].Name != onnx.ProviderCUDA || chain[1].Name != onnx.ProviderCPU {
		t.Fatalf("chain %+v", chain)
	}
	if got := chain[0].Options["use_tf32"]; got != "0" {
		t.Errorf("cuda use_tf32 = %q, want \"0\"", got)
	}
	if !chain[0].DeviceIO || chain[1].DeviceIO || len(chain[1].Options) != 0 {
		t.Errorf("device I/O or options misplaced: %+v", chain)
	}
	if _, err := PoseProviders("cuda,bogus", false); err == nil {
		t.Error("an unknown provider was accepted")
	}
}
