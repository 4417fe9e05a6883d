package main

import (
	"os"
	"path/filepath"
	"testing"
	"time"
)

func TestDefaultConfig(t *testing.T) {
	cfg, err := loadRunConfig("")
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
		{"unknown key", "pose:\n  model: movenet-thunder\n  modle: x\n", "config CFG: config: line 3, column 3: field modle not found in type main.poseConfig"},
		{"unknown section", "sauce:\n  spec: x\n", "config CFG: config: line 1, column 1: field sauce not found in type main.runConfig"},
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
			_, err := loadRunConfig(p)
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

func TestConfigOverridesKeepDefaults(t *testing.T) {
	p := filepath.Join(t.TempDir(), "c.yaml")
	if err := os.WriteFile(p, []byte("pose:\n  model: movenet-multipose\n  tracker_max_age: 500ms\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg, err := loadRunConfig(p)
	if err != nil {
		t.Fatal(err)
	}
	rf := runFlags{source: "stdin:8x8", oscOut: repeatedFlag{"127.0.0.1:9555", "[::1]:9556"}}
	if err := rf.apply(cfg); err != nil {
		t.Fatal(err)
	}
	if cfg.Pose.Model != "movenet-multipose" || cfg.Pose.TrackerMaxAge != 500*time.Millisecond || !cfg.Pose.Smoothing ||
		cfg.Source.Spec != "stdin:8x8" || len(cfg.OSCOut.Targets) != 2 || cfg.OSCOut.Prefix != "/pose" {
		t.Fatalf("config %+v", cfg)
	}
	bad := runFlags{oscOut: repeatedFlag{"9000"}}
	if err := bad.apply(cfg); err == nil || err.Error() != `--osc-out "9000": want HOST:PORT` {
		t.Fatalf("err = %v", err)
	}
}

func FuzzRunConfig(f *testing.F) {
	f.Add(defaultConfigYAML)
	f.Add([]byte("pose:\n  model: movenet-thunder\n"))
	f.Add([]byte("osc_out: [1, 2]\n"))
	f.Add([]byte("control:\n  osc_in: 127.0.0.1:9100\n  mappings: [a.yaml]\n  osc_allow: [10.0.0.0/8]\n"))
	f.Add([]byte("diffusion: {model: m, size: 768, providers: \"cuda,cpu;unet=cpu\", scheduler: lcm}\n"))
	f.Add([]byte("outputs:\n  shm: [\"vivid:pose\"]\n  record: {path: r.mp4, fps: 25}\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		cfg := &runConfig{}
		if err := decodeStrict(defaultConfigYAML, cfg); err != nil {
			t.Fatal(err)
		}
		if err := decodeStrict(data, cfg); err != nil {
			return
		}
		cfg.resolvePaths("/etc/vivid")
		if cfg.validate() != nil {
			return
		}
		for _, p := range append(cfg.Control.Mappings, cfg.Control.Presets, cfg.Outputs.Record.Path) {
			if p != "" && !filepath.IsAbs(p) {
				t.Fatalf("path %q not made absolute", p)
			}
		}
	})
}
