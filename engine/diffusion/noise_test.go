package diffusion

import (
	"slices"
	"testing"

	"github.com/vivid-ml/vivid-ml-engine/engine/diffusion/torchrng"
)

// stream draws k values of n from a fresh torch generator, one Randn call each.
func stream(seed uint64, k, n int) [][]float32 {
	g := torchrng.New(seed)
	out := make([][]float32, k)
	for i := range out {
		out[i] = make([]float32, n)
		g.Randn(out[i])
	}
	return out
}

func TestTorchNoise(t *testing.T) {
	const n = 40
	mid := stream(3, 3, n)
	b := stream(9, 3, n)
	for i := range mid {
		Slerp(mid[i], mid[i], b[i], 0.25)
	}
	tests := []struct {
		name string
		key  noiseKey
		want [][]float32
	}{
		{"seed only: torch's stream", noiseKey{seed: 3, n: n}, stream(3, 3, n)},
		{"blend 0 ignores seed B", noiseKey{seed: 3, seedB: 9, n: n}, stream(3, 3, n)},
		{"blend 1 is seed B's stream", noiseKey{seed: 3, seedB: 9, blend: 1, n: n}, stream(9, 3, n)},
		{"blend 0.25: slerp draw by draw", noiseKey{seed: 3, seedB: 9, blend: 0.25, n: n}, mid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var s torchNoise
			for frame := range 2 { // the second frame replays the first one's draws
				s.start(tt.key)
				for i, w := range tt.want {
					got := make([]float32, n)
					s.Fill(got)
					if !slices.Equal(got, w) {
						t.Fatalf("frame %d draw %d differs from the expected stream", frame, i)
					}
				}
			}
		})
	}
}

// TestTorchNoiseSizeChange: a draw of another size at a position replays the draws
// before it, so the stream stays torch's for the new sizes.
func TestTorchNoiseSizeChange(t *testing.T) {
	var s torchNoise
	s.start(noiseKey{seed: 5, n: 8})
	a := make([]float32, 8)
	s.Fill(a)
	s.Fill(make([]float32, 8))
	s.start(noiseKey{seed: 5, n: 8})
	s.Fill(a)
	c := make([]float32, 20)
	s.Fill(c)
	g := torchrng.New(5)
	w := make([]float32, 8)
	g.Randn(w)
	wc := make([]float32, 20)
	g.Randn(wc)
	if !slices.Equal(a, w) || !slices.Equal(c, wc) {
		t.Fatal("after a size change the draws are not torch's stream")
	}
}
