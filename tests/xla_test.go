package tests

import (
	"math"
	"math/rand/v2"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/vivid-ml/vivid-ml-engine/engine/pose"
	"github.com/vivid-ml/vivid-ml-engine/onnx"
	"github.com/vivid-ml/vivid-ml-engine/xla"
)

// xlaPoseTolerance is the largest allowed |ORT − go| for any MoveNet output value.
const xlaPoseTolerance = 1e-4

// xlaPatterns are the conformance images the pure-Go backend runs (it is slow);
// VIVID_XLA_ALL=1 runs every conformance pattern.
var xlaPatterns = []string{"figure-center", "two-figures", "noise"}

// TestConformanceGoBackend runs each provisioned MoveNet through the pure-Go
// (GoMLX simplego) backend and through ONNX Runtime on the conformance images and
// requires every keypoint value to agree within xlaPoseTolerance.
func TestConformanceGoBackend(t *testing.T) {
	if raceEnabled {
		// simplego's conv loops under the race detector take minutes per frame;
		// `make test` runs this test once more without -race.
		t.Skip("the pure-Go backend is too slow under -race; make test runs this without it")
	}
	ortInit(t)
	ort, err := onnx.NewBackend(onnx.BackendConfig{Library: onnx.LibraryPath(), Threads: 1})
	if err != nil {
		t.Fatal(err)
	}
	gob, err := xla.New(xla.Config{Kind: "go"})
	if err != nil {
		t.Fatal(err)
	}
	defer gob.Close()
	all := os.Getenv("VIVID_XLA_ALL") != ""
	patterns := xlaPatterns
	for _, m := range []struct {
		name string
		h, w int
	}{{"movenet-lightning", 192, 192}, {"movenet-thunder", 256, 256}, {"movenet-multipose", 256, 256}} {
		t.Run(m.name, func(t *testing.T) {
			out, err := engine("models", "path", "--offline", "--log-level", "error", m.name).Output()
			path := strings.TrimSpace(string(out))
			if err != nil || path == "" {
				skipOrFail(t, "no provisioned "+m.name+" (make provision)")
			}
			want, err := pose.OpenModel(ort, path)
			if err != nil {
				t.Fatal(err)
			}
			defer want.Close()
			got, err := pose.OpenModel(gob, path)
			if err != nil {
				t.Fatal(err)
			}
			defer got.Close()
			var worst float64
			n := 0
			for k, g := range conformancePatterns {
				if !all && !slices.Contains(patterns, g.name) {
					continue
				}
				img := make([]int32, m.h*m.w*3)
				g.draw(img, m.h, m.w, rand.New(rand.NewPCG(uint64(k), uint64(m.h*1000+m.w))))
				a, err := want.Infer(img, m.h, m.w)
				if err != nil {
					t.Fatal(err)
				}
				a = slices.Clone(a)
				b, err := got.Infer(img, m.h, m.w)
				if err != nil {
					t.Fatal(err)
				}
				for i := range a {
					d := math.Abs(float64(a[i] - b[i]))
					if math.IsNaN(d) || d > xlaPoseTolerance {
						t.Errorf("%s: value %d: ort %v, go %v", g.name, i, a[i], b[i])
					}
					if !math.IsNaN(d) {
						worst = max(worst, d)
					}
				}
				n++
			}
			t.Logf("%d images, largest |ort − go| %.3g (provider %s)", n, worst, got.Provider())
		})
	}
}
