package xla_test

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"sort"
	"testing"

	"github.com/vivid-ml/vivid-ml-engine/engine/convert"
)

// TestGPUCompare compares every $XLA_CHECK_WORK/<name>/ case's xla*.bin outputs with
// ort*.bin (ONNX Runtime CPU, computed here for the shipped models or by
// scripts/gpu/ort_ref.py on the GPU machine): one JSON line per model with the
// largest absolute difference, the largest |ort| and their ratio; fp32 outputs pass
// at a ratio ≤ 1e-3, fp16 at ≤ 2e-2.
func TestGPUCompare(t *testing.T) {
	work := os.Getenv("XLA_CHECK_WORK")
	if work == "" || os.Getenv("XLA_CHECK_COMPARE") == "" {
		t.Skip("XLA_CHECK_WORK / XLA_CHECK_COMPARE not set (the GPU check)")
	}
	dirs, _ := filepath.Glob(filepath.Join(work, "*", "manifest.json"))
	sort.Strings(dirs)
	for _, mf := range dirs {
		dir := filepath.Dir(mf)
		name := filepath.Base(dir)
		var man struct {
			Outputs []ioRecord `json:"outputs"`
		}
		b, err := os.ReadFile(mf)
		if err == nil {
			err = json.Unmarshal(b, &man)
		}
		if err != nil {
			emit(map[string]any{"measure": "compare", "model": name, "error": err.Error()})
			continue
		}
		var per []map[string]any
		worst, half, missing := 0.0, false, false
		for i, rec := range man.Outputs {
			x, errX := readValues(filepath.Join(dir, fmt.Sprintf("xla%d.bin", i)), rec.DType)
			o, errO := readValues(filepath.Join(dir, fmt.Sprintf("ort%d.bin", i)), rec.DType)
			if errX != nil || errO != nil || len(x) != len(o) {
				missing = true
				break
			}
			half = half || rec.DType == "float16"
			var diff, scale float64
			at := -1
			nanX, nanO := 0, 0
			for j := range x {
				if math.IsNaN(x[j]) {
					nanX++
				}
				if math.IsNaN(o[j]) {
					nanO++
				}
				if math.IsNaN(x[j]) || math.IsNaN(o[j]) {
					continue
				}
				if d := math.Abs(x[j] - o[j]); d > diff {
					diff, at = d, j
				}
				scale = max(scale, math.Abs(o[j]))
			}
			rel := diff
			if scale > 0 {
				rel = diff / scale
			}
			if nanX != nanO {
				rel = math.Inf(1)
			}
			worst = max(worst, rel)
			worstAt := map[string]any{"output": rec.Name, "max_abs_diff": diff, "max_abs_ort": scale, "rel": rel, "nan_xla": nanX, "nan_ort": nanO}
			if at >= 0 {
				worstAt["at"], worstAt["xla_at"], worstAt["ort_at"] = at, x[at], o[at]
				n := 0
				for j := range x {
					if math.Abs(x[j]-o[j]) > 1e-3*max(scale, 1e-30) {
						n++
					}
				}
				worstAt["n_over_1e-3"] = n
			}
			per = append(per, worstAt)
		}
		if missing {
			emit(map[string]any{"measure": "compare", "model": name, "error": "xla or ort outputs missing"})
			continue
		}
		tol := 1e-3
		if half {
			tol = 2e-2
		}
		if math.IsInf(worst, 0) {
			worst = -1 // JSON has no Inf: NaN counts differ
		}
		emit(map[string]any{"measure": "compare", "model": name, "outputs": per, "worst_rel": worst,
			"tolerance_rel": tol, "ok": worst >= 0 && worst <= tol})
	}
}

// readValues reads a raw little-endian tensor file as float64s.
func readValues(path, dtype string) ([]float64, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var out []float64
	switch dtype {
	case "float32":
		for i := 0; i+4 <= len(b); i += 4 {
			out = append(out, float64(math.Float32frombits(binary.LittleEndian.Uint32(b[i:]))))
		}
	case "float16":
		for i := 0; i+2 <= len(b); i += 2 {
			out = append(out, float64(convert.Float32From16(binary.LittleEndian.Uint16(b[i:]))))
		}
	case "int32":
		for i := 0; i+4 <= len(b); i += 4 {
			out = append(out, float64(int32(binary.LittleEndian.Uint32(b[i:]))))
		}
	case "int64":
		for i := 0; i+8 <= len(b); i += 8 {
			out = append(out, float64(int64(binary.LittleEndian.Uint64(b[i:]))))
		}
	case "uint8":
		for _, v := range b {
			out = append(out, float64(v))
		}
	default:
		return nil, fmt.Errorf("dtype %s", dtype)
	}
	return out, nil
}
