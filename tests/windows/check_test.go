//go:build linux

package windows

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestWineCheckWindowsPaths runs `check` under wine on a config under C:\ with spaces in
// the folder names: a mapping relative to the config (with a backslash), one absolute
// with a drive letter, the model cache under Z:\; forward slashes and a path relative
// to the working directory; rooted paths without a drive (\x, /x) on the config's drive;
// a broken config reported as C:\…:line:column.
func TestWineCheckWindowsPaths(t *testing.T) {
	r := needRig(t)
	base := r.driveC(t, "vivid check")
	conf := filepath.Join(base, "conf dir")
	write := func(p, body string) {
		t.Helper()
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	rule := "rules:\n  - osc: {address: /a}\n    target: strength\n"
	write(filepath.Join(conf, "maps", "touch osc.yaml"), rule)
	write(filepath.Join(base, "misc", "abs.yaml"), rule+"  - osc: {address: /b}\n    target: steps\n")
	write(filepath.Join(base, "misc", "rooted.yaml"), rule)
	// Rooted without a drive letter (\x, /x): on the config file's drive, not in its folder.
	write(filepath.Join(conf, "engine.yaml"), "source: {spec: testpattern}\npose: {enabled: true, model: movenet-lightning}\n"+
		"control:\n  mappings: ['maps\\touch osc.yaml', '"+r.winPath(filepath.Join(base, "misc", "abs.yaml"))+"', "+
		"'\\vivid check\\misc\\rooted.yaml', '/vivid check/misc/rooted.yaml']\n")
	// The same paths with pose off: `check` then skips the models (hashing 46 MB under wine is slow).
	write(filepath.Join(conf, "paths only.yaml"), "source: {spec: testpattern}\npose: {enabled: false}\n"+
		"control:\n  mappings: ['maps\\touch osc.yaml', '"+r.winPath(filepath.Join(base, "misc", "abs.yaml"))+"']\n")
	write(filepath.Join(conf, "bad.yaml"), "source: {spec: testpattern}\npose: {enabled: fast}\n")

	cfg := r.winPath(filepath.Join(conf, "engine.yaml"))
	want := []string{
		`ok config ` + cfg,
		`ok mapping C:\vivid check\conf dir\maps\touch osc.yaml (1 rules)`,
		`ok mapping C:\vivid check\misc\abs.yaml (2 rules)`,
		`ok mapping C:\vivid check\misc\rooted.yaml (1 rules)`,
		`ok model onnxruntime ` + r.cache() + `\onnxruntime\1.29.0`,
		`ok model movenet-lightning ` + r.cache() + `\movenet-lightning\4`,
	}
	paths := r.winPath(filepath.Join(conf, "paths only.yaml"))
	for _, tc := range []struct{ name, config, dir string }{
		{"backslashes", cfg, ""},
		{"forward slashes", strings.ReplaceAll(paths, `\`, "/"), ""},
		{"relative to the working directory", `conf dir\paths only.yaml`, base},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cmd := r.engine("check", "--offline", "--cache-dir", r.cache(), "--config", tc.config)
			cmd.Dir = tc.dir
			out, err := output(cmd, true)
			if err != nil {
				t.Fatalf("check: %v\n%s", err, out)
			}
			lines := want[1:]
			if tc.config != cfg {
				lines = want[1:3] // the first two mappings only
			}
			for _, w := range lines {
				if !strings.Contains(string(out), w+"\n") {
					t.Errorf("output lacks %q:\n%s", w, out)
				}
			}
			if tc.config == cfg && !strings.Contains(string(out), want[0]+"\n") {
				t.Errorf("output lacks %q:\n%s", want[0], out)
			}
		})
	}
	t.Run("broken config", func(t *testing.T) {
		bad := r.winPath(filepath.Join(conf, "bad.yaml"))
		out, err := output(r.engine("check", "--offline", "--cache-dir", r.cache(), "--config", bad), true)
		if err == nil {
			t.Fatalf("check passed a broken config:\n%s", out)
		}
		if w := "error config " + bad + ":2:17: cannot construct !!str `fast` into bool"; !strings.Contains(string(out), w) {
			t.Fatalf("output lacks %q:\n%s", w, out)
		}
	})
}
