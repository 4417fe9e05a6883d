package diffusion_test

import (
	"context"
	"image"
	"os"
	"testing"

	"github.com/vivid-ml/vivid-ml-engine/engine/diffusion"
	"github.com/vivid-ml/vivid-ml-engine/engine/diffusion/tiny"
	"github.com/vivid-ml/vivid-ml-engine/models"
	"github.com/vivid-ml/vivid-ml-engine/onnx"
)

// devORTLib is the development copy of ONNX Runtime on the project's build machine.
const devORTLib = "/work/npm-cache-dev/x/package/bin/napi-v6/linux/x64/libonnxruntime.so.1"

// initORT loads ONNX Runtime: $ONNXRUNTIME_LIB, else the development copy, else the
// library `make provision` cached (offline); skipped without any (failed under VIVID_E2E_STRICT).
func initORT(t testing.TB) {
	t.Helper()
	lib := os.Getenv("ONNXRUNTIME_LIB")
	if lib == "" {
		lib = devORTLib
		if _, err := os.Stat(lib); err != nil {
			if st, err := models.Open(models.Options{Offline: true}); err == nil {
				if p, err := st.ORTLibrary(context.Background()); err == nil {
					lib = p
				}
			}
		}
	}
	if _, err := os.Stat(lib); err != nil {
		if os.Getenv("VIVID_E2E_STRICT") != "" {
			t.Fatalf("no ONNX Runtime library: set ONNXRUNTIME_LIB (%v)", err)
		}
		t.Skipf("no ONNX Runtime library: set ONNXRUNTIME_LIB (%v)", err)
	}
	if err := onnx.Init(lib); err != nil {
		t.Fatal(err)
	}
}

// cpuBackend loads ONNX Runtime (initORT) and returns a one-thread CPU backend.
func cpuBackend(t testing.TB) *onnx.Backend {
	t.Helper()
	initORT(t)
	b, err := onnx.NewBackend(onnx.BackendConfig{Library: onnx.LibraryPath(), Threads: 1})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// tinyDir writes tiny models into a temp dir.
func tinyDir(t testing.TB, o tiny.Options) string {
	t.Helper()
	dir := t.TempDir()
	if err := tiny.Write(dir, o); err != nil {
		t.Fatal(err)
	}
	return dir
}

func openTiny(t testing.TB, o tiny.Options, taesd bool) *diffusion.Pipeline {
	t.Helper()
	initORT(t)
	p, err := diffusion.Open(diffusion.Config{Dir: tinyDir(t, o), Backend: cpuBackend(t), TAESD: taesd})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close() })
	return p
}

// testImage is a deterministic gradient.
func testImage(size int) *image.RGBA {
	img := image.NewRGBA(image.Rect(0, 0, size, size))
	for y := range size {
		for x := range size {
			o := img.PixOffset(x, y)
			img.Pix[o], img.Pix[o+1], img.Pix[o+2], img.Pix[o+3] = uint8(4*x), uint8(4*y), uint8(2*(x+y)), 255
		}
	}
	return img
}
