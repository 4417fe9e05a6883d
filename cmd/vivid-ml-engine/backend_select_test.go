package main

import (
	"errors"
	"flag"
	"io"
	"log/slog"
	"testing"

	"github.com/vivid-ml/vivid-ml-engine/engine/infer"
)

// TestBackendFlags: flag beats config, config beats the default; bad names fail;
// ort is built only when chosen.
func TestBackendFlags(t *testing.T) {
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	for _, tc := range []struct {
		name     string
		args     []string
		config   string
		want     string
		wantErr  error
		wantsORT bool
	}{
		{name: "default", want: "ort", wantsORT: true},
		{name: "config", config: "go", want: "go"},
		{name: "flag wins", args: []string{"--backend", "ort"}, config: "go", want: "ort", wantsORT: true},
		{name: "flag go", args: []string{"--backend", "go"}, want: "go"},
		{name: "bad", args: []string{"--backend", "tpu"}, want: "tpu", wantErr: errBackend},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fs := flag.NewFlagSet("x", flag.ContinueOnError)
			bf := addBackendFlags(fs)
			defer bf.close()
			if err := fs.Parse(tc.args); err != nil {
				t.Fatal(err)
			}
			if len(tc.args) == 0 {
				bf.applyConfig(tc.config, "")
			}
			if bf.name != tc.want || bf.ort() != tc.wantsORT {
				t.Fatalf("name %q ort %v, want %q %v", bf.name, bf.ort(), tc.want, tc.wantsORT)
			}
			ortBuilt := false
			b, err := bf.pick(func() (infer.Backend, error) { ortBuilt = true; return nil, nil }, log)
			if !errors.Is(err, tc.wantErr) {
				t.Fatalf("err %v, want %v", err, tc.wantErr)
			}
			if ortBuilt != tc.wantsORT {
				t.Fatalf("ort built %v, want %v", ortBuilt, tc.wantsORT)
			}
			if tc.want == "go" && (b == nil || b.Name() != "go") {
				t.Fatalf("backend %v", b)
			}
		})
	}
}
