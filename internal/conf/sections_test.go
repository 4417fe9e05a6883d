package conf

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestConfigSectionErrors: unknown keys inside control, diffusion and outputs are
// errors with line:column; bad values name the key.
func TestConfigSectionErrors(t *testing.T) {
	tests := []struct {
		name, yaml, err string
	}{
		{"control unknown key", "control:\n  osc_in: 127.0.0.1:9100\n  feedbak: [x]\n", "line 3, column 3: field feedbak not found in type conf.Control"},
		{"diffusion unknown key", "diffusion:\n  nodel: x\n", "line 2, column 3: field nodel not found in type conf.Diffusion"},
		{"outputs unknown key", "outputs:\n  shm: [a]\n  htp: x\n", "line 3, column 3: field htp not found in type conf.Outputs"},
		{"record unknown key", "outputs:\n  record:\n    paht: x\n", "line 3, column 5: field paht not found in type conf.Record"},
		{"list as string", "control: {mappings: x}\n", "line 1, column 21: cannot construct !!str `x` into []string"},
		{"osc_in", "control: {osc_in: 9001}\n", `control.osc_in "9001": want ADDR:PORT or off`},
		{"osc_allow", "control: {osc_allow: [10.0.0.0/33]}\n", `control.osc_allow "10.0.0.0/33": want a CIDR or an address`},
		{"feedback", "control: {feedback: [localhost]}\n", `control.feedback "localhost": want HOST:PORT`},
		{"empty mapping", "control: {mappings: [\"\"]}\n", "control.mappings: empty file name"},
		{"size", "diffusion: {size: 500}\n", "diffusion.size 500: want a positive multiple of 8"},
		{"providers", "diffusion: {providers: gpu}\n", `diffusion.providers: diffusion: unknown execution provider "gpu" (tensorrt, cuda, coreml, directml, cpu)`},
		{"scheduler", "diffusion: {scheduler: dpm}\n", `diffusion.scheduler "dpm": want one of euler, euler-ancestral, ddim, tcd, lcm (or empty: the model folder's)`},
		{"similar", "diffusion: {similar: 2}\n", "diffusion.similar 2: want 0..1 (0: off)"},
		{"rng", "diffusion: {rng: numpy}\n", `diffusion.rng "numpy": want torch or engine`},
		{"eta", "diffusion: {eta: 2}\n", "diffusion.eta 2: want 0..1 (< 0: the scheduler's default)"},
		{"negative", "diffusion: {threads: -1}\n", "diffusion: max_skip, threads, device and cuda_mem_limit must be >= 0"},
		{"shm name", "outputs: {shm: [\"bad/name\"]}\n", `outputs.shm "bad/name": shm: bad segment name: "bad/name" (want 1-64 of A-Z a-z 0-9 . _ -)`},
		{"shm stream", "outputs: {shm: [\"vivid:depth\"]}\n", `outputs.shm "vivid:depth": unknown stream "depth" (want input, pose, diffusion, mask, matte or upscale)`},
		{"td_shm name", "outputs: {td_shm: [\"\"]}\n", `outputs.td_shm "": tdshm: bad name: ""`},
		{"spout name", "outputs: {spout: [\"\"]}\n", `outputs.spout "": spout: bad sender name: ""`},
		{"shm_slots", "outputs: {shm_slots: 0}\n", "outputs.shm_slots 0: want 1-64"},
		{"http", "outputs: {http: 8080}\n", `outputs.http "8080": want ADDR:PORT or :PORT`},
		{"record stream", "outputs: {record: {stream: foo}}\n", `outputs.record.stream: unknown stream "foo" (want input, pose, diffusion, mask, matte or upscale)`},
		{"record fps", "outputs: {record: {fps: 0}}\n", "outputs.record.fps 0: want > 0"},
		{"operators unknown key", "operators:\n  segment: {nodel: meet}\n", "line 2, column 13: field nodel not found in type conf.Segment"},
		{"segment model", "operators: {segment: {model: rvm}}\n", `operators.segment.model "rvm": want selfie or meet`},
		{"segment color", "operators: {segment: {color: red}}\n", `operators.segment.color: "red": want RRGGBB`},
		{"upscale scale", "operators: {upscale: {scale: 5}}\n", "operators.upscale: scale 5 not available (2, 3, 4 or 8)"},
		{"upscale stream", "operators: {upscale: {stream: depth}}\n", `operators.upscale.stream "depth": want one of input, pose, diffusion, mask, matte, upscale`},
		{"operator threads", "operators: {threads: -1}\n", "operators.threads must be >= 0"},
		{"log level", "log: {level: loud}\n", `log.level "loud": want debug, info, warn or error`},
		{"xla fraction", "xla_mem_fraction: 2\n", "xla_mem_fraction 2: want 0..1"},
		{"xla allocator", "xla_allocator: arena\n", `xla_allocator "arena": want default, bfc, platform or cuda_async`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := writeConfig(t, t.TempDir(), tt.yaml)
			_, err := Load(p)
			want := "config " + p + ": config: " + tt.err
			if err == nil || err.Error() != want {
				t.Fatalf("err = %v\nwant  %s", err, want)
			}
		})
	}
}

func writeConfig(t *testing.T, dir, body string) string {
	t.Helper()
	p := filepath.Join(dir, "c.yaml")
	if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestConfigRelativePathsFromCWD: a relative --config path still resolves file paths
// against the config's folder, as absolute paths.
func TestConfigRelativePathsFromCWD(t *testing.T) {
	dir := t.TempDir()
	sub := filepath.Join(dir, "etc")
	if err := os.Mkdir(sub, 0o755); err != nil {
		t.Fatal(err)
	}
	writeConfig(t, sub, "control: {mappings: [m.yaml]}\ndiffusion: {trt_cache: cache}\n")
	t.Chdir(dir)
	cfg, err := Load(filepath.Join("etc", "c.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Control.Mappings[0] != filepath.Join(sub, "m.yaml") || cfg.Diffusion.TRTCache != filepath.Join(sub, "cache") {
		t.Fatalf("mappings %v, trt_cache %q", cfg.Control.Mappings, cfg.Diffusion.TRTCache)
	}
}

// TestConfigDocExample: the annotated example in docs/config.md loads.
func TestConfigDocExample(t *testing.T) {
	doc, err := os.ReadFile("../../docs/config.md")
	if err != nil {
		t.Fatal(err)
	}
	_, rest, ok := strings.Cut(string(doc), "```yaml\n")
	body, _, ok2 := strings.Cut(rest, "```")
	if !ok || !ok2 {
		t.Fatal("docs/config.md has no ```yaml block")
	}
	cfg, err := Load(writeConfig(t, t.TempDir(), body))
	if err != nil {
		t.Fatal(err)
	}
	if len(cfg.Control.Mappings) == 0 || cfg.Outputs.HTTP == "" || len(cfg.Outputs.SHM) == 0 {
		t.Fatalf("example is not complete: %+v", cfg)
	}
}
