package check

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/vivid-ml/vivid-ml-engine/internal/conf"
)

// TestConfigErrorLine: the error of a real load, formatted from its structure (position,
// value error, os error), not from its text.
func TestConfigErrorLine(t *testing.T) {
	dir := t.TempDir()
	tests := []struct{ name, body, want string }{
		{"decode", "osc_out:\n  max_rate: fast\n", "FILE:2:13: cannot construct !!str `fast` into float64"},
		{"two decode errors", "pose: {threads: x}\nfoo: 1\n",
			"FILE:1:17: cannot construct !!str `x` into int; line 2, column 1: field foo not found in type conf.Config"},
		{"value", "source: {width: 10}\n", "FILE: source: set both width and height, or neither"},
		{"missing", "", ""}, // the system's own text for opening a missing file (Windows words it differently)
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := filepath.Join(dir, "c.yaml")
			os.Remove(p)
			if tt.body != "" {
				if err := os.WriteFile(p, []byte(tt.body), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			_, err := conf.Load(p)
			if err == nil {
				t.Fatal("no error")
			}
			want := strings.ReplaceAll(tt.want, "FILE", p)
			if tt.body == "" {
				_, oerr := os.Open(p)
				want = oerr.Error()
			}
			if got := ConfigErrorLine(p, err); got != want {
				t.Errorf("ConfigErrorLine = %q\nwant             %q", got, want)
			}
		})
	}
}
