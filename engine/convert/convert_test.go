package convert

import (
	"errors"
	"math"
	"testing"
)

func TestErrors(t *testing.T) {
	rgba := make([]byte, 4*3*2)
	tests := []struct {
		name string
		run  func() error
		want string
	}{
		{"nchw32 short src", func() error { return RGBAToNCHW32(make([]float32, 18), rgba[:20], 3, 2) },
			"rgba 3x2: have 20 bytes, want 24: buffer size does not match dimensions"},
		{"nchw32 short dst", func() error { return RGBAToNCHW32(make([]float32, 17), rgba, 3, 2) },
			"nchw float32: have 17 elements, want 18: buffer size does not match dimensions"},
		{"nchw16 zero dims", func() error { return RGBAToNCHW16(nil, nil, 0, 2) },
			"rgba 0x2: width and height must be positive"},
		{"nhwc long dst", func() error { return RGBAToNHWCInt32(make([]int32, 19), rgba, 3, 2) },
			"nhwc int32: have 19 elements, want 18: buffer size does not match dimensions"},
		{"resize bad dst", func() error { return ResizeBilinear(make([]byte, 4), 2, 1, rgba, 3, 2) },
			"resize destination: rgba 2x1: have 4 bytes, want 8: buffer size does not match dimensions"},
		{"resize bad src", func() error { return ResizeBilinear(make([]byte, 4), 1, 1, rgba, -3, 2) },
			"resize source: rgba -3x2: width and height must be positive"},
		{"to rgba short src", func() error { return NCHW32ToRGBA(rgba, make([]float32, 5), 3, 2) },
			"nchw source: have 5 elements, want 18: buffer size does not match dimensions"},
		{"to rgba16 bad dst", func() error { return NCHW16ToRGBA(rgba[:4], make([]uint16, 18), 3, 2) },
			"rgba destination: rgba 3x2: have 4 bytes, want 24: buffer size does not match dimensions"},
		{"add scaled", func() error { return AddScaled(make([]float32, 3), 1, make([]float32, 3), 1, make([]float32, 2)) },
			"add scaled y: have 2 elements, want 3: buffer size does not match dimensions"},
		{"scale", func() error { return Scale(make([]float32, 3), 1, make([]float32, 4)) },
			"scale x: have 4 elements, want 3: buffer size does not match dimensions"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.run()
			if err == nil || err.Error() != tt.want {
				t.Fatalf("error = %v, want %q", err, tt.want)
			}
			if !errors.Is(err, ErrSize) && !errors.Is(err, ErrDims) {
				t.Fatalf("error %v wraps neither sentinel", err)
			}
		})
	}
}

func TestNormalize(t *testing.T) {
	// 2×1 image: (0, 127, 255, 9) and (128, 1, 254, 0).
	src := []byte{0, 127, 255, 9, 128, 1, 254, 0}
	f32 := make([]float32, 6)
	if err := RGBAToNCHW32(f32, src, 2, 1); err != nil {
		t.Fatal(err)
	}
	want := []float32{-1, float32(128)/127.5 - 1, float32(127)/127.5 - 1, float32(1)/127.5 - 1, 1, float32(254)/127.5 - 1}
	for i := range want {
		if f32[i] != want[i] {
			t.Errorf("nchw32[%d] = %v, want %v", i, f32[i], want[i])
		}
	}
	f16 := make([]uint16, 6)
	if err := RGBAToNCHW16(f16, src, 2, 1); err != nil {
		t.Fatal(err)
	}
	if f16[0] != 0xbc00 || f16[4] != 0x3c00 {
		t.Errorf("nchw16 = %#x, want -1 (0xbc00) and 1 (0x3c00) at 0 and 4", f16)
	}
	for i := range f16 {
		if d := math.Abs(float64(Float32From16(f16[i]) - f32[i])); d > 1e-3 {
			t.Errorf("nchw16[%d] = %v, want %v", i, Float32From16(f16[i]), f32[i])
		}
	}
	i32 := make([]int32, 6)
	if err := RGBAToNHWCInt32(i32, src, 2, 1); err != nil {
		t.Fatal(err)
	}
	if want := []int32{0, 127, 255, 128, 1, 254}; !equal(i32, want) {
		t.Errorf("nhwc = %v, want %v", i32, want)
	}
}

func TestRoundTripBytes(t *testing.T) {
	// Every byte survives normalize → denormalize, in float32 and float16.
	src := make([]byte, 4*256)
	for i := range 256 {
		src[4*i], src[4*i+1], src[4*i+2], src[4*i+3] = byte(i), byte(255-i), byte(i*7), 255
	}
	f32 := make([]float32, 3*256)
	f16 := make([]uint16, 3*256)
	back := make([]byte, len(src))
	if err := RGBAToNCHW32(f32, src, 16, 16); err != nil {
		t.Fatal(err)
	}
	if err := NCHW32ToRGBA(back, f32, 16, 16); err != nil {
		t.Fatal(err)
	}
	if !equal(back, src) {
		t.Errorf("float32 round trip differs")
	}
	if err := RGBAToNCHW16(f16, src, 16, 16); err != nil {
		t.Fatal(err)
	}
	if err := NCHW16ToRGBA(back, f16, 16, 16); err != nil {
		t.Fatal(err)
	}
	if !equal(back, src) {
		t.Errorf("float16 round trip differs")
	}
}

func TestByteFromUnit(t *testing.T) {
	nan := float32(math.NaN())
	tests := []struct {
		in   float32
		want byte
	}{{-1, 0}, {1, 255}, {-7, 0}, {3, 255}, {0, 128}, {nan, 0}, {float32(math.Inf(1)), 255}, {-1 + 0.5/127.5, 1}}
	for _, tt := range tests {
		if got := ByteFromUnit(tt.in); got != tt.want {
			t.Errorf("ByteFromUnit(%v) = %d, want %d", tt.in, got, tt.want)
		}
	}
}

func TestLatent(t *testing.T) {
	x := []float32{1, -2, 0.5}
	noise := []float32{0.25, 1, -4}
	dst := make([]float32, 3)
	if err := AddScaled(dst, 1, x, 2, noise); err != nil {
		t.Fatal(err)
	}
	if want := []float32{1.5, 0, -7.5}; !equal(dst, want) {
		t.Errorf("AddScaled = %v, want %v", dst, want)
	}
	if err := Scale(dst, 0.5, dst); err != nil {
		t.Fatal(err)
	}
	if want := []float32{0.75, 0, -3.75}; !equal(dst, want) {
		t.Errorf("Scale = %v, want %v", dst, want)
	}
}

func equal[T comparable](a, b []T) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
