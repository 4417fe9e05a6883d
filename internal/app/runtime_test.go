package app

import (
	"errors"
	"testing"

	"github.com/vivid-ml/vivid-ml-engine/engine/infer"
	"github.com/vivid-ml/vivid-ml-engine/internal/conf"
)

// TestRuntimePick: ort is built only when chosen; go builds GoMLX's pure-Go backend once;
// bad names fail.
func TestRuntimePick(t *testing.T) {
	for _, tc := range []struct {
		name     string
		wantErr  error
		wantsORT bool
	}{
		{name: "", wantsORT: true},
		{name: "ort", wantsORT: true},
		{name: "go"},
		{name: "tpu", wantErr: ErrBackend},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rt := NewRuntime(conf.Models{}, conf.Backend{Name: tc.name}, nil)
			defer rt.Close()
			if rt.UsesORT() != tc.wantsORT {
				t.Fatalf("UsesORT %v, want %v", rt.UsesORT(), tc.wantsORT)
			}
			ortBuilt := false
			b, err := rt.Pick(func() (infer.Backend, error) { ortBuilt = true; return nil, nil })
			if !errors.Is(err, tc.wantErr) {
				t.Fatalf("err %v, want %v", err, tc.wantErr)
			}
			if ortBuilt != tc.wantsORT {
				t.Fatalf("ort built %v, want %v", ortBuilt, tc.wantsORT)
			}
			if tc.name == "go" {
				if b == nil || b.Name() != "go" {
					t.Fatalf("backend %v", b)
				}
				again, err := rt.Pick(nil)
				if err != nil || again != b {
					t.Fatalf("second Pick built another backend (%v, %v)", again, err)
				}
			}
		})
	}
}
