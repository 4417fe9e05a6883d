package tensorrt

import (
	"errors"
	"maps"
	"path/filepath"
	"strings"
	"testing"
)

var h100 = Versions{ORT: "1.24.3", TensorRT: "10.7.0", GPU: GPU{Name: "NVIDIA H100 80GB HBM3", ComputeMajor: 9}}

func unet512(b int64) Shapes {
	return Shapes{
		"sample": {b, 4, 64, 64}, "timestep": {b}, "encoder_hidden_states": {b, 77, 2048},
		"text_embeds": {b, 1280}, "time_ids": {b, 6},
	}
}

func TestShapesString(t *testing.T) {
	got := unet512(1).String()
	want := "encoder_hidden_states:1x77x2048,sample:1x4x64x64,text_embeds:1x1280,time_ids:1x6,timestep:1"
	if got != want {
		t.Fatalf("got %q, want %q", got, want)
	}
}

func TestCacheKey(t *testing.T) {
	static := Static(unet512(1))
	dyn := Profile{Min: unet512(1), Opt: unet512(1), Max: unet512(2)}
	k := CacheKey(h100, static)
	if !strings.HasPrefix(k, "ort1.24.3-trt10.7.0-nvidia-h100-80gb-hbm3-sm90/static-") {
		t.Fatalf("key %q", k)
	}
	if CacheKey(h100, dyn) == k || !strings.Contains(CacheKey(h100, dyn), "/dynamic-") {
		t.Fatalf("dynamic key %q must differ from static %q", CacheKey(h100, dyn), k)
	}
	other := h100
	other.GPU.ComputeMajor, other.GPU.ComputeMinor = 8, 9
	if CacheKey(other, static) == k {
		t.Fatal("compute capability not in key")
	}
	other = h100
	other.TensorRT = "10.8.0"
	if CacheKey(other, static) == k {
		t.Fatal("TensorRT version not in key")
	}
	if got := CacheKey(Versions{ORT: "1.24.3"}, Profile{}); got != "ort1.24.3-trtunknown-unknown-gpu-sm00/implicit" {
		t.Fatalf("empty key %q", got)
	}
}

func TestProviderOptions(t *testing.T) {
	root := filepath.Join("cache", "trt")
	for _, tc := range []struct {
		name string
		cfg  Config
		want map[string]string
		err  string
	}{
		{
			name: "fp16 static cached",
			cfg:  Config{FP16: true, CacheDir: root, TimingCache: true, Profile: Static(Shapes{"sample": {1, 4, 64, 64}})},
			want: map[string]string{
				"device_id": "0", "trt_fp16_enable": "1",
				"trt_profile_min_shapes": "sample:1x4x64x64", "trt_profile_opt_shapes": "sample:1x4x64x64", "trt_profile_max_shapes": "sample:1x4x64x64",
				"trt_engine_cache_enable": "1", "trt_timing_cache_enable": "1",
			},
		},
		{
			name: "no cache, no profile",
			cfg:  Config{DeviceID: 1},
			want: map[string]string{"device_id": "1", "trt_fp16_enable": "0"},
		},
		{
			name: "timing cache without dir",
			cfg:  Config{TimingCache: true},
			err:  "tensorrt: engine cache enabled without a directory (timing cache for unet)",
		},
		{
			name: "min above opt",
			cfg:  Config{Profile: Profile{Min: Shapes{"sample": {2, 4, 64, 64}}, Opt: Shapes{"sample": {1, 4, 64, 64}}, Max: Shapes{"sample": {2, 4, 64, 64}}}},
			err:  `tensorrt: invalid profile shape: input "sample" dimension 0: min 2, opt 1, max 2`,
		},
		{
			name: "missing max",
			cfg:  Config{Profile: Profile{Min: Shapes{"sample": {1}}, Opt: Shapes{"sample": {1}}}},
			err:  `tensorrt: incomplete shape profile: input "sample" needs min, opt and max`,
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ProviderOptions(tc.cfg, "unet", h100)
			if tc.err != "" {
				if err == nil || err.Error() != tc.err {
					t.Fatalf("err = %v, want %q", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			for _, k := range []string{"trt_engine_cache_path", "trt_timing_cache_path"} {
				if p, ok := got[k]; ok {
					want := filepath.Join(root, filepath.FromSlash(CacheKey(h100, tc.cfg.Profile)), "unet")
					if p != want {
						t.Errorf("%s = %q, want %q", k, p, want)
					}
					delete(got, k)
				}
			}
			if !maps.Equal(got, tc.want) {
				t.Fatalf("got %v, want %v", got, tc.want)
			}
		})
	}
	if _, err := ProviderOptions(Config{TimingCache: true}, "unet", h100); !errors.Is(err, ErrNoCacheDir) {
		t.Fatalf("want ErrNoCacheDir, got %v", err)
	}
}

func TestCUDAOptions(t *testing.T) {
	if got := CUDAOptions(0, 0); !maps.Equal(got, map[string]string{"device_id": "0"}) {
		t.Fatalf("got %v", got)
	}
	want := map[string]string{"device_id": "1", "gpu_mem_limit": "8589934592", "arena_extend_strategy": "kSameAsRequested"}
	if got := CUDAOptions(1, 8<<30); !maps.Equal(got, want) {
		t.Fatalf("got %v", got)
	}
}

func TestParseComputeCapability(t *testing.T) {
	if ma, mi, err := ParseComputeCapability("8.9"); err != nil || ma != 8 || mi != 9 {
		t.Fatalf("8.9 → %d %d %v", ma, mi, err)
	}
	for _, bad := range []string{"", "9", "x.0", "9.-1"} {
		if _, _, err := ParseComputeCapability(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}
