package xla_test

import (
	"context"
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/vivid-ml/vivid-ml-engine/models"
)

// TestMain points ONNXRUNTIME_LIB at the cached ONNX Runtime (the reference for every
// comparison here) unless it is set already.
func TestMain(m *testing.M) {
	if os.Getenv("ONNXRUNTIME_LIB") == "" {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
		st, err := models.Open(models.Options{})
		if err == nil {
			var lib string
			if lib, err = st.ORTLibrary(ctx); err == nil {
				os.Setenv("ONNXRUNTIME_LIB", lib)
			}
		}
		cancel()
		if err != nil {
			fmt.Fprintln(os.Stderr, "xla tests: no ONNX Runtime library:", err)
		}
	}
	os.Exit(m.Run())
}
