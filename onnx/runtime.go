//go:build cgo

package onnx

import (
	"fmt"
	"os"
	"path/filepath"
	"sync"

	ort "github.com/yalue/onnxruntime_go"
)

// runtime is the process-wide ONNX Runtime state: ORT can be loaded once per process.
var runtime struct {
	mu   sync.Mutex
	path string // absolute path of the loaded library; "" when not loaded
}

// Init loads the ONNX Runtime shared library at libPath and creates its environment.
// It is idempotent: calling it again with the same library is a no-op; a different
// library returns ErrOtherLibrary (ORT cannot be swapped inside one process).
func Init(libPath string) error {
	if libPath == "" {
		return ErrNoLibrary
	}
	abs, err := filepath.Abs(libPath)
	if err != nil {
		return fmt.Errorf("onnx: library path %q: %w", libPath, err)
	}
	runtime.mu.Lock()
	defer runtime.mu.Unlock()
	if runtime.path != "" {
		if runtime.path == abs {
			return nil
		}
		return fmt.Errorf("%w: %s is loaded, %s requested", ErrOtherLibrary, runtime.path, abs)
	}
	if _, err := os.Stat(abs); err != nil {
		return fmt.Errorf("onnx: load ONNX Runtime library %s: %w", abs, err)
	}
	ort.SetSharedLibraryPath(abs)
	if err := ort.InitializeEnvironment(ort.WithLogLevelError()); err != nil {
		return fmt.Errorf("onnx: load ONNX Runtime library %s: %w", abs, ortError(err))
	}
	runtime.path = abs
	return nil
}

// Version returns the loaded ONNX Runtime version ("1.24.3"), or "" before Init.
func Version() string {
	runtime.mu.Lock()
	defer runtime.mu.Unlock()
	if runtime.path == "" {
		return ""
	}
	return ort.GetVersion()
}

// LibraryPath returns the absolute path of the loaded library, or "" before Init.
func LibraryPath() string {
	runtime.mu.Lock()
	defer runtime.mu.Unlock()
	return runtime.path
}

func initialized() bool {
	runtime.mu.Lock()
	defer runtime.mu.Unlock()
	return runtime.path != ""
}

// ortError is the one place ONNX Runtime (status) errors become engine errors: ORT's
// messages are kept verbatim behind an "onnxruntime:" prefix so callers can tell them apart.
func ortError(err error) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("onnxruntime: %w", err)
}
