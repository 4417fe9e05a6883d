package torchrng

import (
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/vivid-ml/vivid-ml-engine/engine/diffusion/npy"
)

// goldenDir is what scripts/gpu/diffusers_goldens.py wrote (see engine/diffusion/testdata).
const goldenDir = "../testdata/diffusers"

// TestTorchGoldens compares Randn (each kernel) with torch.randn on a fresh
// torch.Generator("cpu").manual_seed(seed): several seeds and shapes (numel < 16,
// numel % 16 ≠ 0, [1,4,64,64]) and sequences of draws from one generator.
func TestTorchGoldens(t *testing.T) {
	data, err := os.ReadFile(filepath.Join(goldenDir, "randn.json"))
	if err != nil {
		t.Fatal(err)
	}
	var g struct {
		Torch string `json:"torch"`
		Cases []struct {
			Seed   uint64  `json:"seed"`
			Shapes [][]int `json:"shapes"`
			File   string  `json:"file"`
			Error  string  `json:"error"`
		} `json:"cases"`
	}
	if err := json.Unmarshal(data, &g); err != nil {
		t.Fatal(err)
	}
	for _, k := range []struct {
		name   string
		kernel Kernel
		tol    float64 // relative to max(1, |x|); the acceptance bound is 1e-6, the default is held to 0
	}{{"avx2-fma (default)", KernelAVX2FMA, 0}, {"avx2", KernelAVX2, 3e-7}, {"scalar", KernelScalar, 2.5e-6}} {
		t.Run(k.name, func(t *testing.T) {
			worst, values := 0.0, 0
			for _, c := range g.Cases {
				if c.Error != "" {
					t.Logf("seed %d %v: torch refused: %s", c.Seed, c.Shapes, c.Error)
					continue
				}
				_, want, err := npy.Read(filepath.Join(goldenDir, "randn", c.File))
				if err != nil {
					t.Fatal(err)
				}
				gen := New(c.Seed)
				gen.Kernel = k.kernel
				var got []float32
				for _, sh := range c.Shapes {
					n := 1
					for _, d := range sh {
						n *= d
					}
					x := make([]float32, n)
					gen.Randn(x)
					got = append(got, x...)
				}
				got = got[:min(len(got), len(want))]
				if len(got) != len(want) {
					t.Fatalf("%s: %d values, torch %d", c.File, len(got), len(want))
				}
				for i := range want {
					d := math.Abs(float64(got[i]) - float64(want[i]))
					worst = max(worst, d)
					if d > k.tol*max(1, math.Abs(float64(want[i]))) {
						t.Errorf("%s: value %d = %v, torch %v", c.File, i, got[i], want[i])
						break
					}
				}
				values += len(want)
			}
			t.Logf("%d cases, %d values: largest difference from torch %s %.3g", len(g.Cases), values, g.Torch, worst)
		})
	}
}
