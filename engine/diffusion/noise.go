package diffusion

import (
	"github.com/vivid-ml/vivid-ml-engine/engine/diffusion/sched"
	"github.com/vivid-ml/vivid-ml-engine/engine/diffusion/torchrng"
)

// torchNoise is one frame's random draws in diffusers' order, from
// torch.Generator("cpu").manual_seed(Seed): the VAE latent sample, the img2img noise,
// then each stochastic scheduler step. With a seed blend every draw is the slerp of
// Seed's and SeedB's draw at the same position, so blend 0 is exactly Seed's stream
// and blend 1 exactly SeedB's. Draws are kept, so a frame with the same seeds and
// sizes replays them instead of drawing again: a seed means the same noise every frame.
type torchNoise struct {
	key   noiseKey
	a, b  *torchrng.Generator
	draws [][]float32
	next  int
}

type noiseKey struct {
	seed, seedB uint64
	blend       float64
	n           int
}

// start rewinds the stream for a new frame, drawing anew only when the key changed.
func (s *torchNoise) start(k noiseKey) {
	if s.a == nil || s.key != k {
		s.key, s.draws = k, nil
		s.a = torchrng.New(k.seed)
		s.b = nil
		if k.blend > 0 {
			s.b = torchrng.New(k.seedB)
		}
	}
	s.next = 0
}

// Fill writes the next draw of the frame (sched.Noise).
func (s *torchNoise) Fill(dst []float32) {
	if s.next < len(s.draws) && len(s.draws[s.next]) == len(dst) {
		copy(dst, s.draws[s.next])
		s.next++
		return
	}
	if s.next < len(s.draws) {
		// A draw of another size than last frame's at this position: replay the
		// draws before it from a fresh generator, then draw anew.
		lens := make([]int, s.next)
		for i := range lens {
			lens[i] = len(s.draws[i])
		}
		k := s.key
		s.a = nil
		s.start(k)
		for _, l := range lens {
			s.draw(l)
		}
		s.next = len(lens)
	}
	copy(dst, s.draw(len(dst)))
	s.next++
}

// draw appends one new draw of n values.
func (s *torchNoise) draw(n int) []float32 {
	d := make([]float32, n)
	s.a.Randn(d)
	if s.b != nil {
		e := make([]float32, n)
		s.b.Randn(e)
		Slerp(d, d, e, s.key.blend)
	}
	s.draws = append(s.draws, d)
	return d
}

var _ sched.Noise = (*torchNoise)(nil)

// clampBlend limits a seed blend to [0, 1].
func clampBlend(b float64) float64 {
	if !(b > 0) {
		return 0
	}
	return min(b, 1)
}
