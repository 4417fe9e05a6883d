//go:build !cuda

package gpu

import (
	"os"
	"regexp"
	"strings"
	"testing"
)

// TestPTXMatchesSource guards against editing kernels/convert.cu without running
// `go generate`: every kernel in the source must be an entry of the committed PTX,
// built for compute_80 (JIT-compiled by newer drivers).
func TestPTXMatchesSource(t *testing.T) {
	cu, err := os.ReadFile("kernels/convert.cu")
	if err != nil {
		t.Fatal(err)
	}
	ptx, err := os.ReadFile("kernels/convert.ptx")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(ptx), "\n.target sm_80\n") {
		t.Error("convert.ptx does not target sm_80")
	}
	kernels := regexp.MustCompile(`__global__ void (\w+)\(`).FindAllStringSubmatch(string(cu), -1)
	if len(kernels) != 8 {
		t.Errorf("found %d kernels in convert.cu, want 8", len(kernels))
	}
	for _, k := range kernels {
		if !strings.Contains(string(ptx), ".visible .entry "+k[1]+"(") {
			t.Errorf("kernel %s is missing from convert.ptx: run go generate ./tensorrt/gpu/", k[1])
		}
	}
}
