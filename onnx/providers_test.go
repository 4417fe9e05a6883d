//go:build cgo

package onnx

import (
	"bytes"
	"errors"
	"log/slog"
	"strings"
	"testing"
)

// The CPU build of ONNX Runtime has no TensorRT/CUDA provider libraries next to it (ORT says
// "Failed to load library …providers_shared.so" the first time, "Failed to load shared library" after):
// both must be skipped with ORT's reason, and CPU must take the model.
func TestProviderFallback(t *testing.T) {
	initORT(t)
	var logs bytes.Buffer
	s, err := NewSession(addModel(t), SessionOptions{
		Providers: []ProviderConfig{
			{Name: "tensorrt", Options: map[string]string{"trt_fp16_enable": "1", "trt_engine_cache_enable": "1"}},
			{Name: "cuda", Options: map[string]string{"device_id": "0"}},
			{Name: "cpu"},
		},
		Logger: slog.New(slog.NewTextHandler(&logs, nil)),
	})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if s.Provider() != "cpu" {
		t.Fatalf("provider = %q, want cpu", s.Provider())
	}
	sk := s.Skipped()
	if len(sk) != 2 || sk[0].Name != "tensorrt" || sk[1].Name != "cuda" {
		t.Fatalf("skipped = %+v", sk)
	}
	for _, k := range sk {
		if !strings.Contains(k.Reason, "Failed to load ") {
			t.Errorf("%s skipped for %q, want ORT's \"Failed to load library\"", k.Name, k.Reason)
		}
	}
	if !strings.Contains(logs.String(), "execution provider skipped") || !strings.Contains(logs.String(), "provider=cuda") {
		t.Errorf("log lacks the skips:\n%s", logs.String())
	}
}

func TestProviderErrors(t *testing.T) {
	initORT(t)
	model := addModel(t)
	_, err := NewSession(model, SessionOptions{Providers: []ProviderConfig{{Name: "cuda"}}})
	if !errors.Is(err, ErrNoProvider) || !strings.Contains(err.Error(), "cuda: onnxruntime: ") {
		t.Fatalf("cuda only = %v, want ErrNoProvider naming cuda", err)
	}
	_, err = NewSession(model, SessionOptions{Providers: []ProviderConfig{{Name: "vulkan"}}})
	if err == nil || err.Error() != `onnx: unknown execution provider "vulkan" (tensorrt, cuda, coreml, directml, cpu)` {
		t.Fatalf("unknown provider = %v", err)
	}
	_, err = NewSession(model+".missing", SessionOptions{})
	if err == nil || !strings.HasPrefix(err.Error(), "onnx: read model ") {
		t.Fatalf("missing model = %v", err)
	}
}

func TestCheckProvider(t *testing.T) {
	initORT(t)
	if err := CheckProvider(ProviderConfig{Name: "cpu"}); err != nil {
		t.Fatalf("cpu: %v", err)
	}
	if err := CheckProvider(ProviderConfig{Name: "cuda"}); err == nil || !strings.Contains(err.Error(), "Failed to load ") {
		t.Fatalf("cuda on the CPU build: %v", err)
	}
	if err := CheckProvider(ProviderConfig{Name: "directml", Options: map[string]string{"device_id": "x"}}); err == nil ||
		err.Error() != `directml device_id "x": strconv.Atoi: parsing "x": invalid syntax` {
		t.Fatalf("directml bad id: %v", err)
	}
}
