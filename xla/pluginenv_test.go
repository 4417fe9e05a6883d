package xla_test

import (
	"os"
	"testing"

	"github.com/vivid-ml/vivid-ml-engine/xla"
)

// TestPluginEnv: the default XLA_FLAGS when none are set, the user's kept whole, and the
// autotune cache folder added once to either.
func TestPluginEnv(t *testing.T) {
	const cache = " --xla_gpu_per_fusion_autotune_cache_dir=/c"
	const defaults = "--xla_gpu_cuda_data_dir=/usr/local/cuda --xla_gpu_enable_triton_gemm=false"
	for _, c := range []struct {
		name, user, dir, want string
		set                   bool
	}{
		{"default", "", "", defaults, false},
		{"default with cache", "", "/c", defaults + cache, false},
		{"user's", "--xla_gpu_autotune_level=2", "", "--xla_gpu_autotune_level=2", true},
		{"user's with cache", "--xla_gpu_autotune_level=2", "/c", "--xla_gpu_autotune_level=2" + cache, true},
		{"cache already given", "--xla_gpu_per_fusion_autotune_cache_dir=/mine", "/c", "--xla_gpu_per_fusion_autotune_cache_dir=/mine", true},
	} {
		t.Run(c.name, func(t *testing.T) {
			for _, k := range []string{"GOMLX_NO_AUTO_INSTALL", "GOPJRT_CUDA_CHECKS", "TF_CPP_MIN_LOG_LEVEL"} {
				t.Setenv(k, "") // restored after the test; unset for setPluginEnv
				if err := os.Unsetenv(k); err != nil {
					t.Fatal(err)
				}
			}
			t.Setenv("XLA_FLAGS", c.user)
			if !c.set {
				if err := os.Unsetenv("XLA_FLAGS"); err != nil {
					t.Fatal(err)
				}
			}
			xla.SetPluginEnv(c.dir)
			if got := os.Getenv("XLA_FLAGS"); got != c.want {
				t.Fatalf("XLA_FLAGS = %q, want %q", got, c.want)
			}
		})
	}
}
