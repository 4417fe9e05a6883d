package xla

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// pluginGlobs are where a JAX install keeps its CUDA PJRT plugin.
var pluginGlobs = []string{
	"/opt/*/.venv/lib/python3*/site-packages/jax_plugins/xla_cuda*/xla_cuda_plugin.so",
	"/opt/*/lib/python3*/site-packages/jax_plugins/xla_cuda*/xla_cuda_plugin.so",
	"/usr/local/lib/python3*/dist-packages/jax_plugins/xla_cuda*/xla_cuda_plugin.so",
	"/usr/local/lib/python3*/site-packages/jax_plugins/xla_cuda*/xla_cuda_plugin.so",
	"/usr/lib/python3/dist-packages/jax_plugins/xla_cuda*/xla_cuda_plugin.so",
	"~/.local/lib/python3*/site-packages/jax_plugins/xla_cuda*/xla_cuda_plugin.so",
	"~/.venv/lib/python3*/site-packages/jax_plugins/xla_cuda*/xla_cuda_plugin.so",
	"~/*/.venv/lib/python3*/site-packages/jax_plugins/xla_cuda*/xla_cuda_plugin.so",
}

// FindPlugin resolves the PJRT plugin: the explicit path, then $PJRT_PLUGIN_LIBRARY_PATH
// (a file, or a folder holding pjrt_c_api_*_plugin.so / xla_cuda_plugin.so), then a JAX
// install on this machine (newest CUDA major first). ErrNoPlugin says how to get one.
func FindPlugin(explicit string) (string, error) {
	if explicit != "" {
		if _, err := os.Stat(explicit); err != nil {
			return "", fmt.Errorf("xla: --pjrt-plugin: %w", err)
		}
		return filepath.Abs(explicit)
	}
	if env := os.Getenv("PJRT_PLUGIN_LIBRARY_PATH"); env != "" {
		for _, p := range filepath.SplitList(env) {
			if st, err := os.Stat(p); err == nil && !st.IsDir() {
				return filepath.Abs(p)
			}
			for _, pat := range []string{"pjrt_c_api_cuda_plugin.so", "xla_cuda_plugin.so", "pjrt_c_api_*_plugin.so", "pjrt-plugin-*.so"} {
				if m, _ := filepath.Glob(filepath.Join(p, pat)); len(m) > 0 {
					return filepath.Abs(m[0])
				}
			}
		}
	}
	if found := searchPlugins(pluginGlobs); len(found) > 0 {
		return found[0], nil
	}
	return "", ErrNoPlugin
}

// searchPlugins expands the globs (~ is $HOME) and sorts newest CUDA first.
func searchPlugins(globs []string) []string {
	home, _ := os.UserHomeDir()
	seen := map[string]bool{}
	var found []string
	for _, g := range globs {
		if strings.HasPrefix(g, "~/") {
			if home == "" {
				continue
			}
			g = filepath.Join(home, g[2:])
		}
		m, _ := filepath.Glob(g)
		for _, p := range m {
			if !seen[p] {
				seen[p] = true
				found = append(found, p)
			}
		}
	}
	sort.SliceStable(found, func(i, j int) bool { return found[i] > found[j] })
	return found
}

// pluginPlatform guesses the platform from the plugin's file name.
func pluginPlatform(path string) string {
	b := strings.ToLower(filepath.Base(path))
	switch {
	case strings.Contains(b, "cuda") || strings.Contains(path, "xla_cuda"):
		return "cuda"
	case strings.Contains(b, "rocm"):
		return "rocm"
	case strings.Contains(b, "cpu"):
		return "cpu"
	case strings.Contains(b, "tpu"):
		return "tpu"
	}
	return "pjrt"
}

// pluginEnv is what the engine sets before loading a plugin, unless already set:
// no auto-install, no go-xla CUDA-path rewriting, CUDA's data dir for ptxas/libdevice,
// and cuBLAS rather than Triton for matrix multiplications (measured on the H200: SDXL's
// UNet step 14.1 ms instead of 14.9, its compile 14 s instead of 27; docs/xla.md).
// Preallocation and the allocator are client options, see newPJRT. A user's XLA_FLAGS
// replaces these flags whole.
func pluginEnv() map[string]string {
	env := map[string]string{
		"GOMLX_NO_AUTO_INSTALL": "1",
		"GOPJRT_CUDA_CHECKS":    "0",
		"XLA_FLAGS":             "--xla_gpu_cuda_data_dir=/usr/local/cuda --xla_gpu_enable_triton_gemm=false",
		"TF_CPP_MIN_LOG_LEVEL":  "2",
	}
	return env
}

// setPluginEnv sets pluginEnv's variables that are unset; a non-empty autotuneCache adds
// XLA's per-fusion autotune cache folder to XLA_FLAGS (the user's or the default), so a
// later process reuses the autotuning results (SDXL's UNet compiled in 13 s instead of 26).
func setPluginEnv(autotuneCache string) {
	for k, v := range pluginEnv() {
		if _, ok := os.LookupEnv(k); !ok {
			os.Setenv(k, v)
		}
	}
	if autotuneCache != "" {
		flags := os.Getenv("XLA_FLAGS")
		if !strings.Contains(flags, "--xla_gpu_per_fusion_autotune_cache_dir=") {
			_ = os.Setenv("XLA_FLAGS", strings.TrimSpace(flags+" --xla_gpu_per_fusion_autotune_cache_dir="+autotuneCache))
		}
	}
}
