package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// TestConfigSectionErrors: unknown keys inside control, diffusion and outputs are
// errors with line:column; bad values name the key.
func TestConfigSectionErrors(t *testing.T) {
	tests := []struct {
		name, yaml, err string
	}{
		{"control unknown key", "control:\n  osc_in: 127.0.0.1:9100\n  feedbak: [x]\n", "line 3, column 3: field feedbak not found in type main.controlConfig"},
		{"diffusion unknown key", "diffusion:\n  modle: x\n", "line 2, column 3: field modle not found in type main.diffusionConfig"},
		{"outputs unknown key", "outputs:\n  shm: [a]\n  htp: x\n", "line 3, column 3: field htp not found in type main.outputsConfig"},
		{"record unknown key", "outputs:\n  record:\n    paht: x\n", "line 3, column 5: field paht not found in type main.recordConfig"},
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
		{"operators unknown key", "operators:\n  segment: {nodel: meet}\n", "line 2, column 13: field nodel not found in type main.segmentConfig"},
		{"segment model", "operators: {segment: {model: rvm}}\n", `operators.segment.model "rvm": want selfie or meet`},
		{"segment color", "operators: {segment: {color: red}}\n", `operators.segment.color: "red": want RRGGBB`},
		{"upscale scale", "operators: {upscale: {scale: 5}}\n", "operators.upscale: scale 5 not available (2, 3, 4 or 8)"},
		{"upscale stream", "operators: {upscale: {stream: depth}}\n", `operators.upscale.stream "depth": want one of input, pose, diffusion, mask, matte, upscale`},
		{"operator threads", "operators: {threads: -1}\n", "operators.threads must be >= 0"},
		{"log level", "log: {level: loud}\n", `log.level "loud": want debug, info, warn or error`},
		{"xla fraction", "xla_mem_fraction: 2\n", "xla_mem_fraction 2: want 0..1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := writeConfig(t, t.TempDir(), tt.yaml)
			_, err := loadRunConfig(p)
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

// runOptions registers run's flags on a fresh flag set and parses args.
func runOptions(t *testing.T, args ...string) *runCommandFlags {
	t.Helper()
	k := newRunCommandFlags("run")
	k.fs.SetOutput(io.Discard)
	if err := k.fs.Parse(args); err != nil {
		t.Fatal(err)
	}
	return k
}

// TestDefaultConfigMatchesFlagDefaults: the embedded default config changes nothing
// the flag defaults say, so `run` without --config behaves as before the sections existed.
func TestDefaultConfigMatchesFlagDefaults(t *testing.T) {
	k0, k := runOptions(t), runOptions(t)
	cfg, err := loadRunConfig("")
	if err != nil {
		t.Fatal(err)
	}
	applyConfig(k, cfg)
	co, do, oo, co0, do0, oo0 := k.co, k.do, k.oo, k0.co, k0.do, k0.oo
	for _, c := range []struct {
		name      string
		got, want any
	}{{"operator", k.so, k0.so}, {"common", k.cf, k0.cf}, {"run", k.rf, k0.rf}} {
		if !reflect.DeepEqual(c.got, c.want) {
			t.Errorf("%s options\nconfig %+v\nflags  %+v", c.name, c.got, c.want)
		}
	}
	if k.bf.name != k0.bf.name || k.bf.plugin != k0.bf.plugin || k.bf.memFraction != k0.bf.memFraction || k.bf.preallocate != k0.bf.preallocate {
		t.Errorf("backend options\nconfig %+v\nflags  %+v", k.bf, k0.bf)
	}
	pf, pf0 := *do.flags, *do0.flags
	pf.backend, pf0.backend = nil, nil // compared above
	if fmt.Sprintf("%+v", pf) != fmt.Sprintf("%+v", pf0) {
		t.Errorf("pipeline options\nconfig %+v\nflags  %+v", pf, pf0)
	}
	do.flags, do0.flags = nil, nil
	if !reflect.DeepEqual(co, co0) {
		t.Errorf("control options\nconfig %+v\nflags  %+v", co, co0)
	}
	if !reflect.DeepEqual(do, do0) {
		t.Errorf("diffusion options\nconfig %+v\nflags  %+v", do, do0)
	}
	if !reflect.DeepEqual(oo, oo0) {
		t.Errorf("output options\nconfig %+v\nflags  %+v", oo, oo0)
	}
	if co.oscIn != "127.0.0.1:9001" || do.model != "" || oo.http != "" || len(oo.shmOut) != 0 {
		t.Errorf("defaults changed: osc_in %q, model %q, http %q, shm %v", co.oscIn, do.model, oo.http, oo.shmOut)
	}
}

// TestConfigPrecedence: default < file < flags; a repeatable flag replaces the list.
func TestConfigPrecedence(t *testing.T) {
	dir := t.TempDir()
	p := writeConfig(t, dir, `
control:
  osc_in: 0.0.0.0:9100
  osc_allow: [10.0.0.0/8]
  feedback: ["127.0.0.1:9200", "127.0.0.1:9201"]
  mappings: [a.yaml, /etc/b.yaml]
  presets: presets.yaml
diffusion:
  model: models/sdxl
  size: 768
  providers: cuda,cpu
  trt_fp16: false
  scheduler: lcm
outputs:
  shm: [vivid, "poses:pose"]
  http: 127.0.0.1:8081
  record: {path: out/rec.mp4, stream: input, fps: 25}
`)
	cfg, err := loadRunConfig(p)
	if err != nil {
		t.Fatal(err)
	}
	k := runOptions(t, "--feedback", "127.0.0.1:9300", "--diffusion-size", "512",
		"--diffusion-trt-fp16=true", "--shm-out", "other:input", "--http", "127.0.0.1:9999")
	applyConfig(k, cfg)
	co, do, oo := k.co, k.do, k.oo

	// From the file, relative paths against its folder.
	if co.oscIn != "0.0.0.0:9100" || !reflect.DeepEqual([]string(co.oscAllow), []string{"10.0.0.0/8"}) ||
		!reflect.DeepEqual([]string(co.mappings), []string{filepath.Join(dir, "a.yaml"), "/etc/b.yaml"}) ||
		co.presets != filepath.Join(dir, "presets.yaml") {
		t.Errorf("control %+v", co)
	}
	if do.model != filepath.Join(dir, "models/sdxl") || do.flags.providers != "cuda,cpu" || do.flags.scheduler != "lcm" {
		t.Errorf("diffusion %+v %+v", do, do.flags)
	}
	if oo.record != filepath.Join(dir, "out/rec.mp4") || oo.recordStream != "input" || oo.recordFPS != 25 {
		t.Errorf("record %q %q %g", oo.record, oo.recordStream, oo.recordFPS)
	}
	// From the flags: they win, lists replaced rather than merged, explicit false/true too.
	if !reflect.DeepEqual([]string(co.feedback), []string{"127.0.0.1:9300"}) {
		t.Errorf("feedback %v", co.feedback)
	}
	if do.size != 512 || !do.flags.trtFP16 {
		t.Errorf("size %d, trt_fp16 %v", do.size, do.flags.trtFP16)
	}
	if !reflect.DeepEqual(oo.shmOut, []shmOutSpec{{"other", "input"}}) || oo.http != "127.0.0.1:9999" {
		t.Errorf("shm %v, http %q", oo.shmOut, oo.http)
	}

	// Without flags the file's lists stand.
	k = runOptions(t)
	applyConfig(k, cfg)
	co, do, oo = k.co, k.do, k.oo
	if len(co.feedback) != 2 || !reflect.DeepEqual(oo.shmOut, []shmOutSpec{{"vivid", ""}, {"poses", "pose"}}) ||
		oo.http != "127.0.0.1:8081" || do.size != 768 || do.flags.trtFP16 {
		t.Errorf("file values lost: feedback %v shm %v http %q size %d fp16 %v", co.feedback, oo.shmOut, oo.http, do.size, do.flags.trtFP16)
	}
	// The config's slices are not shared with the options.
	co.feedback[0] = "changed"
	if cfg.Control.Feedback[0] != "127.0.0.1:9200" {
		t.Error("options alias the config's list")
	}
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
	cfg, err := loadRunConfig(filepath.Join("etc", "c.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Control.Mappings[0] != filepath.Join(sub, "m.yaml") || cfg.Diffusion.TRTCache != filepath.Join(sub, "cache") {
		t.Fatalf("mappings %v, trt_cache %q", cfg.Control.Mappings, cfg.Diffusion.TRTCache)
	}
}

// TestConfigAppliersNameRunFlags: every config key maps to a real flag, and every run flag
// has a config key (or is written into one: configOverrides).
func TestConfigAppliersNameRunFlags(t *testing.T) {
	k := runOptions(t)
	appliers := configAppliers(&runConfig{}, k)
	k.fs.VisitAll(func(f *flag.Flag) {
		_, over := configOverrides[f.Name]
		if appliers[f.Name] == nil && !over {
			t.Errorf("flag --%s has no config key", f.Name)
		}
	})
	for name := range appliers {
		if k.fs.Lookup(name) == nil {
			t.Errorf("config key for --%s, but no such flag", name)
		}
	}
	for name := range configOverrides {
		if k.fs.Lookup(name) == nil {
			t.Errorf("override for --%s, but no such flag", name)
		}
	}
}

// TestConfigOperatorKeys: the operators, backend, log, models and frames keys reach the
// options unless a flag was given.
func TestConfigOperatorKeys(t *testing.T) {
	p := writeConfig(t, t.TempDir(), `
operators:
  providers: cpu
  threads: 2
  segment: {enabled: true, model: meet, color: "102030"}
  upscale: {scale: 4, model: esrgan-thick, stream: mask}
backend: go
xla_mem_fraction: 0.5
log: {level: debug, format: json}
models: {offline: true, cache_dir: cache}
frames: 7
`)
	cfg, err := loadRunConfig(p)
	if err != nil {
		t.Fatal(err)
	}
	k := runOptions(t, "--upscale-model", "esrgan-medium", "--frames", "3")
	applyConfig(k, cfg)
	want := operatorOptions{segment: true, segmentModel: "meet", segmentColor: "102030", upscale: 4,
		upscaleModel: "esrgan-medium", upscaleIn: "mask", providers: "cpu", threads: 2}
	if *k.so != want {
		t.Errorf("operators %+v\nwant      %+v", *k.so, want)
	}
	if k.bf.name != "go" || k.bf.memFraction != 0.5 || k.cf.LogLevel != "debug" || k.cf.LogFormat != "json" ||
		!k.cf.Offline || k.cf.CacheDir != filepath.Join(filepath.Dir(p), "cache") || k.rf.frames != 3 {
		t.Errorf("backend %+v common %+v frames %d", k.bf, k.cf, k.rf.frames)
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
	cfg, err := loadRunConfig(writeConfig(t, t.TempDir(), body))
	if err != nil {
		t.Fatal(err)
	}
	if len(cfg.Control.Mappings) == 0 || cfg.Outputs.HTTP == "" || len(cfg.Outputs.SHM) == 0 {
		t.Fatalf("example is not complete: %+v", cfg)
	}
}
