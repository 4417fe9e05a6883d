package tensorrt

import (
	"fmt"
	"path/filepath"
	"strconv"
	"strings"
)

// GPU identifies the device an engine is built for (supplied by the GPU probe).
type GPU struct {
	Name         string // e.g. "NVIDIA H100 80GB HBM3"
	ComputeMajor int    // e.g. 9
	ComputeMinor int    // e.g. 0
}

// Versions are the facts besides the profile that invalidate a cached engine.
type Versions struct {
	ORT      string // ONNX Runtime version, e.g. "1.24.3"
	TensorRT string // TensorRT version, e.g. "10.7.0"; "" when unknown
	GPU      GPU
}

// Config is the TensorRT provider configuration of one model.
type Config struct {
	FP16        bool   // trt_fp16_enable
	CacheDir    string // root of the engine cache; "" disables engine and timing caches
	TimingCache bool   // trt_timing_cache_enable (stored next to the engines)
	DeviceID    int
	Profile     Profile // shape profile; empty leaves shapes to TensorRT (implicit, rebuilds on change)
}

// CacheKey names the engine cache directory for v and p, e.g.
// "ort1.24.3-trt10.7.0-nvidia-h100-80gb-hbm3-sm90/static-1a2b3c4d5e6f".
func CacheKey(v Versions, p Profile) string {
	trt := v.TensorRT
	if trt == "" {
		trt = "unknown"
	}
	gpu := sanitize(v.GPU.Name)
	if gpu == "" {
		gpu = "unknown-gpu"
	}
	prof := "implicit"
	if len(p.Opt) > 0 {
		prof = p.Key()
	}
	return fmt.Sprintf("ort%s-trt%s-%s-sm%d%d", sanitize(v.ORT), sanitize(trt), gpu, v.GPU.ComputeMajor, v.GPU.ComputeMinor) + "/" + prof
}

// CachePath is the engine cache directory of one model under root.
func CachePath(root, model string, v Versions, p Profile) string {
	return filepath.Join(root, filepath.FromSlash(CacheKey(v, p)), sanitize(model))
}

// ProviderOptions returns the TensorRT provider option map for model (a short name such
// as "unet") as ONNX Runtime's TensorRT provider expects it.
func ProviderOptions(c Config, model string, v Versions) (map[string]string, error) {
	o := map[string]string{
		"device_id":       strconv.Itoa(c.DeviceID),
		"trt_fp16_enable": boolStr(c.FP16),
	}
	if len(c.Profile.Opt) > 0 {
		if err := c.Profile.Validate(); err != nil {
			return nil, err
		}
		o["trt_profile_min_shapes"] = c.Profile.Min.String()
		o["trt_profile_opt_shapes"] = c.Profile.Opt.String()
		o["trt_profile_max_shapes"] = c.Profile.Max.String()
	}
	if c.CacheDir != "" {
		dir := CachePath(c.CacheDir, model, v, c.Profile)
		o["trt_engine_cache_enable"] = "1"
		o["trt_engine_cache_path"] = dir
		if c.TimingCache {
			o["trt_timing_cache_enable"] = "1"
			o["trt_timing_cache_path"] = dir
		}
	} else if c.TimingCache {
		return nil, fmt.Errorf("%w (timing cache for %s)", ErrNoCacheDir, model)
	}
	return o, nil
}

// CUDAOptions returns the CUDA provider option map; memLimit 0 means no limit.
func CUDAOptions(deviceID int, memLimit int64) map[string]string {
	o := map[string]string{"device_id": strconv.Itoa(deviceID)}
	if memLimit > 0 {
		o["gpu_mem_limit"] = strconv.FormatInt(memLimit, 10)
		o["arena_extend_strategy"] = "kSameAsRequested"
	}
	return o
}

func boolStr(b bool) string {
	if b {
		return "1"
	}
	return "0"
}

// sanitize lowercases s and keeps [a-z0-9.]; other runs become one '-'.
func sanitize(s string) string {
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(s) {
		if (r >= 'a' && r <= 'z') || (r >= '0' && r <= '9') || r == '.' {
			b.WriteRune(r)
			dash = false
		} else if !dash && b.Len() > 0 {
			b.WriteByte('-')
			dash = true
		}
	}
	return strings.TrimSuffix(b.String(), "-")
}

// ParseComputeCapability splits "major.minor" (as gpu.Info.CC reports it).
func ParseComputeCapability(cc string) (major, minor int, err error) {
	a, b, ok := strings.Cut(cc, ".")
	if ok {
		if major, err = strconv.Atoi(a); err == nil {
			minor, err = strconv.Atoi(b)
		}
	}
	if !ok || err != nil || major < 0 || minor < 0 {
		return 0, 0, fmt.Errorf("tensorrt: compute capability %q: want major.minor", cc)
	}
	return major, minor, nil
}
