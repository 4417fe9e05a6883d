//go:build cuda

package diffusion

import (
	"image"
	"math"
	"testing"

	"github.com/vivid-ml/vivid-ml-engine/engine/convert"
	"github.com/vivid-ml/vivid-ml-engine/tensorrt/gpu"
)

// TestFrameConvGPU checks the pipeline's GPU frame path against its CPU path
// (run on a machine with an NVIDIA GPU: go test -c -tags cuda ./engine/diffusion/).
func TestFrameConvGPU(t *testing.T) {
	dev, err := gpu.Open(0, nil)
	if err != nil {
		t.Fatalf("gpu.Open: %v", err)
	}
	gc := &frameConv{dev: dev}
	defer gc.dev.Close()
	cc := &frameConv{}
	for _, size := range []int{64, 512} {
		img := image.NewRGBA(image.Rect(0, 0, size, size))
		for i := range img.Pix {
			img.Pix[i] = uint8(i*7 + i/13)
		}
		for _, elem := range []Elem{Float32, Float16} {
			tg, _ := NewTensor(elem, 1, 3, int64(size), int64(size))
			tc, _ := NewTensor(elem, 1, 3, int64(size), int64(size))
			var sg, sc *image.RGBA
			gc.toTensor(img, size, tg, &sg)
			cc.toTensor(img, size, tc, &sc)
			if gc.failed.Load() {
				t.Fatal("GPU path failed and fell back to the CPU")
			}
			for i := range max(len(tg.F32), len(tg.F16)) {
				var a, b float64
				if elem == Float32 {
					a, b = float64(tg.F32[i]), float64(tc.F32[i])
				} else {
					a, b = float64(convert.Float32From16(tg.F16[i])), float64(convert.Float32From16(tc.F16[i]))
				}
				if tol := map[Elem]float64{Float32: 1e-5, Float16: 1e-3}[elem]; math.Abs(a-b) > tol {
					t.Fatalf("size %d %v: element %d: gpu %v cpu %v", size, elem, i, a, b)
				}
			}
			og := image.NewRGBA(image.Rect(0, 0, size, size))
			oc := image.NewRGBA(image.Rect(0, 0, size, size))
			gc.fromTensor(tc, og)
			cc.fromTensor(tc, oc)
			for i := range og.Pix {
				if d := int(og.Pix[i]) - int(oc.Pix[i]); d > 1 || d < -1 {
					t.Fatalf("size %d %v: byte %d: gpu %d cpu %d", size, elem, i, og.Pix[i], oc.Pix[i])
				}
			}
		}
	}
}
