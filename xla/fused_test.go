package xla_test

import (
	"testing"

	"github.com/vivid-ml/vivid-ml-engine/engine/diffusion"
	"github.com/vivid-ml/vivid-ml-engine/engine/diffusion/tiny"
	"github.com/vivid-ml/vivid-ml-engine/engine/infer"
)

// TestFusedFrames runs the tiny SDXL img2img pipeline on the device loop (the whole
// frame as three wrapped programs on the pure-Go backend: frame bytes in, frame bytes
// out) and on ONNX Runtime's host loop: the final latents agree within 1e-4 (fp32) and
// the images within one level per channel, for every scheduler family, with guidance
// (batch 2), TAESD, fp16 and a frame that needs resizing.
func TestFusedFrames(t *testing.T) {
	ort, gob := ortBackend(t), goBackend(t)
	for _, tc := range []struct {
		name     string
		o        tiny.Options
		taesd    bool
		sched    string
		guidance float64
		strength float64
		in       int // input frame side (resized to 64)
		tol      float64
	}{
		{"euler", tiny.Options{Seed: 1}, false, "", 0, 1, 64, 1e-4},
		{"euler-ancestral-guided", tiny.Options{Seed: 1}, false, "euler-ancestral", 2.5, 0.75, 64, 1e-4},
		{"lcm-taesd", tiny.Options{Seed: 2, TAESD: true}, true, "lcm", 0, 0.5, 80, 1e-4},
		{"tcd", tiny.Options{Seed: 3}, false, "tcd", 0, 1, 64, 1e-4},
		{"ddim-fp16", tiny.Options{Seed: 1, FP16: true}, false, "ddim", 0, 1, 64, 2e-3},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			if err := tiny.Write(dir, tc.o); err != nil {
				t.Fatal(err)
			}
			run := func(b infer.Backend, host bool) ([]float32, []uint8, bool) {
				p, err := diffusion.Open(diffusion.Config{Dir: dir, Backend: b, TAESD: tc.taesd, Scheduler: tc.sched, HostLoop: host})
				if err != nil {
					t.Fatalf("%s: %v", b.Name(), err)
				}
				defer func() { _ = p.Close() }()
				e, err := p.EncodePrompt("a photo of a cat")
				if err != nil {
					t.Fatal(err)
				}
				n := p.Dims().LatentCh * 8 * 8
				var lat []float32
				var img []uint8
				for _, seed := range []uint64{42, 7} { // a second frame reuses the runner
					lat = make([]float32, n)
					out, err := p.Generate(diffusion.Request{Cond: e, Steps: 4, Strength: tc.strength, Seed: seed, Size: 64,
						Guidance: tc.guidance, Latents: lat}, testImage(tc.in))
					if err != nil {
						t.Fatalf("%s: %v", b.Name(), err)
					}
					img = out.Pix
				}
				return lat, img, p.Fused()
			}
			ortLat, ortImg, _ := run(ort, true)
			hostLat, hostImg, _ := run(gob, true)
			gotLat, gotImg, fusedOn := run(gob, false)
			if !fusedOn {
				t.Fatal("the go backend did not run the device loop")
			}
			// Against the same backend's host loop: only the arithmetic's rounding differs
			// (fp16: the host loop rounds the UNet's fp16 input and output; the go backend's
			// device loop keeps them in float32).
			hostTol := 1e-5
			if tc.o.FP16 {
				hostTol = tc.tol
			}
			compare(t, "go host loop", hostLat, gotLat, hostImg, gotImg, hostTol, true)
			// Against ONNX Runtime (fp16: ORT computes in fp16, the go backend in fp32).
			compare(t, "ort host loop", ortLat, gotLat, ortImg, gotImg, tc.tol, !tc.o.FP16)
		})
	}
}

// compare checks latents (relative to max(1, |value|)) and, when images, image bytes (≤ 1 level).
func compare(t *testing.T, what string, wantLat, gotLat []float32, wantImg, gotImg []uint8, tol float64, images bool) {
	t.Helper()
	var worst float64
	for i, w := range wantLat {
		worst = max(worst, absf(float64(w-gotLat[i]))/max(1, absf(float64(w))))
	}
	if worst > tol {
		t.Errorf("latents: max |%s − go device loop| = %.3g > %.g", what, worst, tol)
	}
	px := 0
	for i, w := range wantImg {
		if d := int(w) - int(gotImg[i]); d > 1 || d < -1 {
			px++
		}
	}
	if images && px > 0 {
		t.Errorf("image: %d of %d bytes differ from the %s by more than 1", px, len(wantImg), what)
	}
	t.Logf("vs %s: latents max rel diff %.3g; image bytes off by > 1: %d", what, worst, px)
}
