package onnx_test

import (
	"os"
	"testing"

	"github.com/vivid-ml/vivid-ml-engine/internal/testutil"
)

// TestMain points ONNXRUNTIME_LIB at the cached ONNX Runtime unless it is set already.
func TestMain(m *testing.M) {
	testutil.SetORTLib("onnx")
	os.Exit(m.Run())
}
