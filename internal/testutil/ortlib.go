// Package testutil holds helpers that several packages' tests share.
package testutil

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/vivid-ml/vivid-ml-engine/models"
)

// SetORTLib points ONNXRUNTIME_LIB at the cached ONNX Runtime (fetched through the
// model store on first use) unless it is set already; who names the tests in the
// message when there is none.
func SetORTLib(who string) {
	if os.Getenv("ONNXRUNTIME_LIB") != "" {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	st, err := models.Open(models.Options{})
	if err == nil {
		var lib string
		if lib, err = st.ORTLibrary(ctx); err == nil {
			err = os.Setenv("ONNXRUNTIME_LIB", lib)
		}
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, who+" tests: no ONNX Runtime library:", err)
	}
}
