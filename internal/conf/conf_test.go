package conf

import (
	"os"
	"path/filepath"
	"testing"
	"time"
)

func TestDefaultConfig(t *testing.T) {
	cfg, err := Load("")
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Source.Spec != "testpattern" || cfg.Pose.Model != "movenet-lightning" || !cfg.Pose.Enabled ||
		len(cfg.OSCOut.Targets) != 1 || cfg.OSCOut.Targets[0] != "127.0.0.1:9000" || cfg.Pose.TrackerMaxAge != time.Second {
		t.Fatalf("default config %+v", cfg)
	}
}

func TestConfigErrors(t *testing.T) {
	tests := []struct {
		name, yaml, err string
	}{
		{"unknown key", "pose:\n  model: movenet-thunder\n  nodel: x\n", "config CFG: config: line 3, column 3: field nodel not found in type conf.Pose"},
		{"unknown section", "sauce:\n  spec: x\n", "config CFG: config: line 1, column 1: field sauce not found in type conf.Config"},
		{"bad type", "source:\n  fps: fast\n", "config CFG: config: line 2, column 8: cannot construct !!str `fast` into float64"},
		{"bad model", "pose:\n  model: posenet\n", `config CFG: config: pose.model: unknown pose model "posenet" (known: [movenet-lightning movenet-multipose movenet-thunder])`},
		{"bad format", "osc_out:\n  format: xml\n", `config CFG: config: osc_out: bad osc output config: format "xml": want both, per-keypoint or flat`},
		{"half size", "source:\n  width: 320\n", "config CFG: config: source: set both width and height, or neither"},
		{"syntax", "pose: [\n", "config CFG: config: line 2, column 1: did not find expected node content"},
		{"bad tracker", "pose:\n  tracker: magic\n", `config CFG: config: pose.tracker "magic": want box or keypoint`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := filepath.Join(t.TempDir(), "c.yaml")
			if err := os.WriteFile(p, []byte(tt.yaml), 0o644); err != nil {
				t.Fatal(err)
			}
			_, err := Load(p)
			want := replaceCFG(tt.err, p)
			if err == nil || err.Error() != want {
				t.Fatalf("err = %v\nwant  %s", err, want)
			}
		})
	}
}

func replaceCFG(s, p string) string {
	out := ""
	for i := 0; i < len(s); i++ {
		if i+3 <= len(s) && s[i:i+3] == "CFG" {
			out += p
			i += 2
			continue
		}
		out += string(s[i])
	}
	return out
}

func FuzzRunConfig(f *testing.F) {
	f.Add(defaultYAML)
	f.Add([]byte("pose:\n  model: movenet-thunder\n"))
	f.Add([]byte("osc_out: [1, 2]\n"))
	f.Add([]byte("control:\n  osc_in: 127.0.0.1:9100\n  mappings: [a.yaml]\n  osc_allow: [10.0.0.0/8]\n"))
	f.Add([]byte("diffusion: {model: m, size: 768, providers: \"cuda,cpu;unet=cpu\", scheduler: lcm}\n"))
	f.Add([]byte("outputs:\n  shm: [\"vivid:pose\"]\n  record: {path: r.mp4, fps: 25}\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		cfg, err := Default()
		if err != nil {
			t.Fatal(err)
		}
		if err := decode(data, cfg); err != nil {
			return
		}
		cfg.resolvePaths("/etc/vivid")
		if cfg.Validate() != nil {
			return
		}
		for _, p := range append(cfg.Control.Mappings, cfg.Control.Presets, cfg.Outputs.Record.Path) {
			if p != "" && !filepath.IsAbs(p) {
				t.Fatalf("path %q not made absolute", p)
			}
		}
	})
}

// TestTargetsValidated: osc_out targets must be HOST:PORT (the --osc-out flag writes them).
func TestTargetsValidated(t *testing.T) {
	cfg, err := Default()
	if err != nil {
		t.Fatal(err)
	}
	cfg.OSCOut.Targets = []string{"127.0.0.1:9555", "9000"}
	if err := cfg.Validate(); err == nil || err.Error() != `config: osc_out.targets "9000": want HOST:PORT` {
		t.Fatalf("err = %v", err)
	}
}
