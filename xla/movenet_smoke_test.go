package xla_test

import (
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"

	"github.com/vivid-ml/vivid-ml-engine/engine/infer"
)

func TestMoveNetSmoke(t *testing.T) {
	home, _ := os.UserHomeDir()
	for _, name := range []string{"movenet-lightning/4", "movenet-thunder/4", "movenet-multipose/1"} {
		path := filepath.Join(home, ".cache/vivid-ml-engine", name, "model.onnx")
		side := int64(192)
		if name != "movenet-lightning/4" {
			side = 256
		}
		in, _ := infer.NewTensor(infer.Int32, 1, side, side, 3)
		r := rand.New(rand.NewPCG(1, 2))
		for i := range in.I32 {
			in.I32[i] = int32(r.IntN(256))
		}
		var shape [][]int64
		if name == "movenet-multipose/1" {
			shape = [][]int64{{1, 6, 56}}
		}
		want := runModel(t, ortBackend(t), path, []*infer.Tensor{in}, shape)
		got := runModel(t, goBackend(t), path, []*infer.Tensor{in}, shape)
		t.Logf("%s: max diff %.3g", name, maxDiff(t, want[0], got[0]))
	}
}
