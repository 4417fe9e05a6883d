//go:build cuda

package gpu

import (
	"fmt"
	"log/slog"
	"math/rand/v2"
	"os"
	"testing"
)

// dev is the device every CUDA test and benchmark shares (device 0).
var dev *Device

func TestMain(m *testing.M) {
	var err error
	dev, err = Open(0, slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn})))
	if err != nil {
		fmt.Fprintln(os.Stderr, "open gpu 0:", err)
		os.Exit(1)
	}
	fmt.Fprintln(os.Stderr, dev.Info())
	code := m.Run()
	if err := dev.Close(); err != nil {
		fmt.Fprintln(os.Stderr, "close gpu 0:", err)
		code = 1
	}
	os.Exit(code)
}

// randomRGBA returns a deterministic w×h RGBA8 image.
func randomRGBA(w, h int, seed uint64) []byte {
	r := rand.New(rand.NewPCG(seed, 7))
	img := make([]byte, 4*w*h)
	for i := range img {
		img[i] = byte(r.Uint32())
	}
	return img
}

// upload allocates a buffer holding s; the test fails on error.
func upload[T any](tb testing.TB, s []T) *Buffer {
	tb.Helper()
	b := alloc(tb, byteLen(s))
	if err := Upload(dev, b, s); err != nil {
		tb.Fatal(err)
	}
	return b
}

// alloc allocates size bytes, freed when the test ends.
func alloc(tb testing.TB, size int64) *Buffer {
	tb.Helper()
	b, err := dev.Alloc(size)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() {
		if err := dev.Free(b); err != nil {
			tb.Error(err)
		}
	})
	return b
}

// download copies n elements of b back; the test fails on error.
func download[T any](tb testing.TB, b *Buffer, n int) []T {
	tb.Helper()
	out := make([]T, n)
	if err := Download(dev, out, b); err != nil {
		tb.Fatal(err)
	}
	return out
}

// sizes are the image sizes every per-pixel kernel is checked at (odd ones too).
var sizes = [][2]int{{1, 1}, {3, 5}, {17, 9}, {64, 64}, {191, 257}, {512, 512}, {1920, 1080}}

func TestDevices(t *testing.T) {
	infos, err := Devices()
	if err != nil {
		t.Fatal(err)
	}
	if len(infos) == 0 {
		t.Fatal("no CUDA devices")
	}
	for _, i := range infos {
		t.Log(i, "cache key", i.CacheKey())
		if i.Name == "" || i.CC == "" || i.TotalMB <= 0 || i.FreeMB <= 0 || i.FreeMB > i.TotalMB || i.Driver == "" {
			t.Errorf("implausible inventory %+v", i)
		}
	}
	if !Available() {
		t.Error("Available() = false in a cuda build")
	}
}

func TestCheckBudgetLive(t *testing.T) {
	info := dev.Info()
	if err := dev.CheckBudget(1, 0); err != nil {
		t.Errorf("1 MiB: %v", err)
	}
	want := fmt.Sprintf("needs %d MiB, budget is 8192 MiB: model does not fit in GPU memory", DefaultBudgetMB+1)
	if err := dev.CheckBudget(DefaultBudgetMB+1, 0); err == nil || err.Error() != want {
		t.Errorf("over default budget: %v, want %q", err, want)
	}
	need := info.TotalMB + 1
	if err := dev.CheckBudget(need, need); err == nil {
		t.Errorf("%d MiB on a %d MiB card: no error", need, info.TotalMB)
	}
}

func TestErrors(t *testing.T) {
	small := alloc(t, 16)
	big := alloc(t, 4*64*64)
	tests := []struct {
		name string
		run  func() error
		want string
	}{
		{"nchw32 small dst", func() error { return dev.RGBAToNCHW32(small, big, 8, 8) },
			"rgba_to_nchw_f32 destination: have 16 bytes, need 768: buffer size does not match dimensions"},
		{"nhwc small src", func() error { return dev.RGBAToNHWCInt32(big, small, 8, 8) },
			"rgba_to_nhwc_i32 source: have 16 bytes, need 256: buffer size does not match dimensions"},
		{"resize zero", func() error { return dev.ResizeBilinear(big, 0, 4, big, 4, 4) },
			"image 0x4: buffer size does not match dimensions"},
		{"resize small dst", func() error { return dev.ResizeBilinear(small, 4, 4, big, 4, 4) },
			"resize destination: have 16 bytes, need 64: buffer size does not match dimensions"},
		{"add scaled", func() error { return dev.AddScaled(big, 1, big, 1, small, 5) },
			"add scaled y: have 16 bytes, need 20: buffer size does not match dimensions"},
		{"scale none", func() error { return dev.Scale(big, 1, big, 0) },
			"0 elements: buffer size does not match dimensions"},
		{"host image", func() error { return dev.ImageToNCHW32(make([]float32, 3), make([]byte, 4), 1, 1, 2, 2) },
			"rgba_to_nchw_f32: destination has 3 elements, want 12: buffer size does not match dimensions"},
		{"host tensor", func() error { return dev.NCHW16ToImage(make([]byte, 4), make([]uint16, 2), 1, 1) },
			"nchw_f16_to_rgba: source has 2 elements, want 3: buffer size does not match dimensions"},
		{"upload too much", func() error { return Upload(dev, small, make([]float32, 5)) },
			"upload 20 bytes into a 16-byte buffer: buffer size does not match dimensions"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := tt.run(); err == nil || err.Error() != tt.want {
				t.Fatalf("error = %v, want %q", err, tt.want)
			}
		})
	}
}
