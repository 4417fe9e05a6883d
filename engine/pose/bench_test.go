package pose

import "testing"

func BenchmarkCropAndResize640to192(b *testing.B) {
	img := noise(640, 480)
	out := make([]int32, 192*192*3)
	box := InitCropRegion(false, 640, 480)
	for b.Loop() {
		CropAndResize(img, box, 192, 192, out)
	}
}

func BenchmarkResizePad640to256(b *testing.B) {
	img := noise(640, 480)
	out := make([]int32, 256*192*3)
	for b.Loop() {
		ResizePad(img, 192, 256, 192, 256, out)
	}
}
