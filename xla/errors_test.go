package xla_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/vivid-ml/vivid-ml-engine/engine/infer"
	"github.com/vivid-ml/vivid-ml-engine/xla"
)

// TestOpenErrors: a model the lowering cannot take fails at load, naming the op,
// the node and the model file.
func TestOpenErrors(t *testing.T) {
	gob := goBackend(t)
	for _, tc := range []struct {
		name    string
		op      string
		in      []tin
		wantErr error
		want    []string
	}{
		{name: "unsupported op", op: "Einsum", in: []tin{f32In(2, 3)}, wantErr: xla.ErrUnsupportedOp,
			want: []string{"unsupported ONNX op Einsum", `node "Einsum_0"`, "Einsum.onnx"}},
		{name: "unsupported op", op: "NonMaxSuppression", in: []tin{f32In(1, 4, 4)}, wantErr: xla.ErrUnsupportedOp,
			want: []string{"unsupported ONNX op NonMaxSuppression", `node "NonMaxSuppression_0"`}},
	} {
		t.Run(tc.name+" "+tc.op, func(t *testing.T) {
			path, _ := writeOpModel(t, tc.op, 17, nil, tc.in, []infer.DType{infer.Float32}, [][]int64{{2, 3}})
			_, err := gob.Open(infer.Spec{Path: path})
			if !errors.Is(err, tc.wantErr) {
				t.Fatalf("err = %v, want %v", err, tc.wantErr)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
		})
	}
	t.Run("missing file", func(t *testing.T) {
		if _, err := gob.Open(infer.Spec{Path: "/nonexistent/model.onnx"}); err == nil || !strings.Contains(err.Error(), "/nonexistent/model.onnx") {
			t.Fatalf("err = %v, want one naming the file", err)
		}
	})
	t.Run("unknown kind", func(t *testing.T) {
		if _, err := xla.New(xla.Config{Kind: "tpu"}); err == nil || !strings.Contains(err.Error(), `unknown backend kind "tpu"`) {
			t.Fatalf("err = %v", err)
		}
	})
}

// TestFindPlugin: an explicit path wins, a missing one is an error, and without any
// plugin the error says how to get one.
func TestFindPlugin(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("PJRT_PLUGIN_LIBRARY_PATH", dir)
	t.Setenv("HOME", dir)
	if _, err := xla.FindPlugin(dir + "/nope.so"); err == nil {
		t.Fatal("a missing explicit plugin was accepted")
	}
	if p, err := xla.FindPlugin(""); err == nil {
		if !strings.Contains(p, "xla_cuda") {
			t.Fatalf("found %q", p)
		}
		t.Skip("this machine has a JAX CUDA plugin: ", p)
	} else if !errors.Is(err, xla.ErrNoPlugin) || !strings.Contains(err.Error(), `pip install "jax[cuda13]"`) {
		t.Fatalf("err = %v", err)
	}
}
