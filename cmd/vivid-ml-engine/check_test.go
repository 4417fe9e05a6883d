package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/vivid-ml/vivid-ml-engine/internal/check"
)

// TestCheckLines runs the checker on files written to a temp dir and compares its
// output line by line ("DIR" stands for the temp dir).
func TestCheckLines(t *testing.T) {
	noPose := "source: {spec: testpattern}\npose: {enabled: false}\n"
	tests := []struct {
		name     string
		files    map[string]string // name → content; a name ending in / is a directory
		config   string
		mappings []string
		presets  string
		want     []string
		failed   int
	}{
		{
			name:   "all good",
			files:  map[string]string{"c.yaml": noPose, "m.yaml": "rules:\n  - osc: {address: /a}\n    target: strength\n  - osc: {address: /b}\n    target: steps\n", "p.yaml": "presets:\n  - {name: calm, strength: 0.2}\n"},
			config: "c.yaml", mappings: []string{"m.yaml"}, presets: "p.yaml",
			want: []string{"ok config DIR/c.yaml", "ok source testpattern", "ok mapping DIR/m.yaml (2 rules)", "ok presets DIR/p.yaml (1 presets)"},
		},
		{
			name:   "config unknown key",
			files:  map[string]string{"c.yaml": "pose:\n  enabled: false\n  nodel: x\n"},
			config: "c.yaml",
			want:   []string{"error config DIR/c.yaml:3:3: field nodel not found in type conf.Pose"},
			failed: 1,
		},
		{
			name:   "config bad value",
			files:  map[string]string{"c.yaml": "pose: {enabled: false, tracker: magic}\n"},
			config: "c.yaml",
			want:   []string{`error config DIR/c.yaml: pose.tracker "magic": want box or keypoint`},
			failed: 1,
		},
		{
			name:   "config missing",
			config: "none.yaml",
			want:   []string{"error config open DIR/none.yaml: no such file or directory"},
			failed: 1,
		},
		{
			name:   "source missing",
			files:  map[string]string{"c.yaml": "source: {spec: DIR/gone.png}\npose: {enabled: false}\n"},
			config: "c.yaml",
			want:   []string{"ok config DIR/c.yaml", `error source source "DIR/gone.png": stat DIR/gone.png: no such file or directory`},
			failed: 1,
		},
		{
			name:     "mapping errors",
			files:    map[string]string{"c.yaml": noPose, "typo.yaml": "rules:\n  - osc: {address: /a}\n    target: strenght\n", "bin.yaml": "\x00\xff\xfe", "trunc.yaml": "rules:\n  - osc: {address: /a\n", "d/": ""},
			config:   "c.yaml",
			mappings: []string{"typo.yaml", "bin.yaml", "trunc.yaml", "d", "gone.yaml"},
			want: []string{
				"ok config DIR/c.yaml", "ok source testpattern",
				`error mapping DIR/typo.yaml:3:13: unknown target "strenght"`,
				"error mapping DIR/bin.yaml:1:2: invalid UTF-8 byte 0xff",
				"error mapping DIR/trunc.yaml:3:1: did not find expected ',' or '}'",
				"error mapping DIR/d: read: is a directory",
				"error mapping DIR/gone.yaml: open: no such file or directory",
			},
			failed: 5,
		},
		{
			name: "mapping and presets from the config, relative to it",
			files: map[string]string{"c.yaml": noPose + "control:\n  mappings: [m.yaml]\n  presets: p.yaml\n",
				"m.yaml": "rules:\n  - osc: {address: /a}\n    target: strenght\n", "p.yaml": "presets:\n  - {name: calm}\n"},
			config: "c.yaml",
			want: []string{"ok config DIR/c.yaml", "ok source testpattern", `error mapping DIR/m.yaml:3:13: unknown target "strenght"`,
				"ok presets DIR/p.yaml (1 presets)"},
			failed: 1,
		},
		{
			name: "a --mapping flag replaces the config's mappings",
			files: map[string]string{"c.yaml": noPose + "control:\n  mappings: [gone.yaml]\n",
				"m.yaml": "rules: []\n"},
			config: "c.yaml", mappings: []string{"m.yaml"},
			want: []string{"ok config DIR/c.yaml", "ok source testpattern", "ok mapping DIR/m.yaml (0 rules)"},
		},
		{
			name:    "presets error",
			files:   map[string]string{"c.yaml": noPose, "p.yaml": "presets:\n  - {name: a, strenght: 0.2}\n"},
			config:  "c.yaml",
			presets: "p.yaml",
			want:    []string{"ok config DIR/c.yaml", "ok source testpattern", "error presets DIR/p.yaml:2:15: field strenght not found in type mapping.Preset"},
			failed:  1,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			for name, body := range tt.files {
				p := filepath.Join(dir, name)
				if strings.HasSuffix(name, "/") {
					if err := os.Mkdir(p, 0o755); err != nil {
						t.Fatal(err)
					}
					continue
				}
				if err := os.WriteFile(p, []byte(strings.ReplaceAll(body, "DIR", dir)), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			args := []string{"--offline", "--cache-dir", t.TempDir()}
			if tt.config != "" {
				args = append(args, "--config", join(dir, tt.config))
			}
			if tt.presets != "" {
				args = append(args, "--presets", join(dir, tt.presets))
			}
			for _, m := range tt.mappings {
				args = append(args, "--mapping", join(dir, m))
			}
			var out bytes.Buffer
			kf := checkArgs(t, args...)
			c := check.Run(context.Background(), check.Config{Path: kf.config, Overlay: kf.b.overlay}, &out)
			got := strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n")
			want := make([]string, len(tt.want))
			for i, w := range tt.want {
				want[i] = strings.ReplaceAll(w, "DIR", dir)
			}
			if strings.Join(got, "\n") != strings.Join(want, "\n") {
				t.Fatalf("output:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
			}
			if c.Failed != tt.failed {
				t.Fatalf("failed = %d, want %d", c.Failed, tt.failed)
			}
		})
	}
}

// TestCheckModelsOffline: with pose on and an empty cache, --offline names the
// missing models and the command that fetches them, fetching nothing.
func TestCheckModelsOffline(t *testing.T) {
	dir := t.TempDir()
	cfg := filepath.Join(dir, "c.yaml")
	if err := os.WriteFile(cfg, []byte("pose: {enabled: true, model: movenet-thunder}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	cache := t.TempDir()
	t.Setenv("ONNXRUNTIME_LIB", "")
	kf := checkArgs(t, "--offline", "--cache-dir", cache, "--config", cfg)
	c := check.Run(context.Background(), check.Config{Path: kf.config, Overlay: kf.b.overlay}, &out)
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(lines) != 4 || lines[0] != "ok config "+cfg || lines[1] != "ok source testpattern" ||
		!strings.HasPrefix(lines[2], "error model onnxruntime: model onnxruntime: missing file") ||
		!strings.HasPrefix(lines[3], "error model movenet-thunder: model movenet-thunder: ") {
		t.Fatalf("output:\n%s", out.String())
	}
	if c.Failed != 2 {
		t.Fatalf("failed = %d, want 2", c.Failed)
	}
	if entries, _ := os.ReadDir(cache); len(entries) > 1 { // at most the lock folder
		t.Fatalf("offline check wrote into the cache: %v", entries)
	}
}

// checkArgs parses check's command line.
func checkArgs(t *testing.T, args ...string) *checkFlags {
	t.Helper()
	kf, err := newCheckFlags()
	if err != nil {
		t.Fatal(err)
	}
	if err = kf.fs.Parse(args); err != nil {
		t.Fatal(err)
	}
	return kf
}

func join(dir, name string) string {
	if name == "" {
		return ""
	}
	return filepath.Join(dir, name)
}
