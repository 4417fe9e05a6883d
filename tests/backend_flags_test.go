package tests

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestOfflineEmptyCacheEveryModelCommand: with --offline and an empty cache, every
// command that runs a model fails (exit ≠ 0) naming the missing model and the fetch
// command, and fetches nothing — also `run` with only the diffusion stage, which used
// to ignore --cache-dir and --offline.
func TestOfflineEmptyCacheEveryModelCommand(t *testing.T) {
	dir := t.TempDir()
	img := filepath.Join(dir, "in.png")
	diffWritePNG(t, img, 64)
	tinyDir := filepath.Join(dir, "tiny")
	diffRunOK(t, engine("models", "make-tiny-sdxl", tinyDir))
	noPose := filepath.Join(dir, "nopose.yaml")
	if err := os.WriteFile(noPose, []byte("pose: {enabled: false}\nosc_out: {targets: []}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	cases := map[string][]string{
		"pose":               {"pose", img},
		"bench pose-model":   {"bench", "pose-model", "--frames", "1"},
		"diffusion run":      {"diffusion", "run", "--model", tinyDir, "--input", img, "--size", "64", "--out", filepath.Join(dir, "o.png")},
		"bench diffusion":    {"bench", "diffusion", "--model", tinyDir, "--size", "64", "--frames", "1"},
		"run":                {"run", "--source", "testpattern", "--frames", "1", "--osc-in", "127.0.0.1:0"},
		"run diffusion-only": {"run", "--config", noPose, "--source", "testpattern", "--frames", "1", "--osc-in", "127.0.0.1:0", "--diffusion-model", tinyDir, "--diffusion-size", "64"},
	}
	for name, args := range cases {
		t.Run(name, func(t *testing.T) {
			cache := t.TempDir()
			cmd := engine(append(args, "--offline", "--cache-dir", cache)...)
			cmd.Env = append(withoutEnv(os.Environ(), "ONNXRUNTIME_LIB", "VIVID_CACHE_DIR"), "HOME="+t.TempDir())
			out, err := cmd.CombinedOutput()
			if err == nil {
				t.Fatalf("succeeded offline with an empty cache:\n%s", out)
			}
			for _, want := range []string{"offline", "model onnxruntime", "models fetch onnxruntime"} {
				if !strings.Contains(string(out), want) {
					t.Errorf("output lacks %q:\n%s", want, out)
				}
			}
			if ents, _ := os.ReadDir(cache); len(ents) > 1 || (len(ents) == 1 && ents[0].Name() != ".locks") {
				t.Errorf("the empty cache got entries offline: %v", ents)
			}
		})
	}
}

// TestORTLibFlagReachesDiffusionOnlyRun: `run` with only the diffusion stage loads the
// library --ort-lib names (a missing one is the error), not the cache's.
func TestORTLibFlagReachesDiffusionOnlyRun(t *testing.T) {
	dir := t.TempDir()
	tinyDir := filepath.Join(dir, "tiny")
	diffRunOK(t, engine("models", "make-tiny-sdxl", tinyDir))
	noPose := filepath.Join(dir, "nopose.yaml")
	if err := os.WriteFile(noPose, []byte("pose: {enabled: false}\nosc_out: {targets: []}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	missing := filepath.Join(dir, "no-such-libonnxruntime.so")
	out, err := engine("run", "--config", noPose, "--source", "testpattern", "--frames", "1", "--osc-in", "127.0.0.1:0",
		"--diffusion-model", tinyDir, "--diffusion-size", "64", "--ort-lib", missing).CombinedOutput()
	if err == nil || !strings.Contains(string(out), "--ort-lib") || !strings.Contains(string(out), missing) {
		t.Fatalf("err = %v, want the --ort-lib path named:\n%s", err, out)
	}
}

// TestCUDAProviderWithoutCUDALibraries: on a machine without the CUDA libraries the
// engine fetches ONNX Runtime's CUDA providers, the CUDA provider is skipped with one
// line naming the missing library, and the model runs on the next provider.
func TestCUDAProviderWithoutCUDALibraries(t *testing.T) {
	if _, err := os.Stat("/dev/nvidia0"); err == nil {
		t.Skip("a GPU machine: the CUDA provider is expected to load here")
	}
	cmd := engine("bench", "pose-model", "--frames", "2", "--warmup", "0", "--providers", "cuda,cpu")
	cmd.Env = withoutEnv(os.Environ(), "ONNXRUNTIME_LIB")
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("%v\n%s", err, stderr.String())
	}
	var res struct {
		Provider string
		ORT      string `json:"onnxruntime"`
	}
	if err := json.Unmarshal(out, &res); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	if res.Provider != "cpu" {
		t.Fatalf("provider %q, want the cpu fallback", res.Provider)
	}
	log := stderr.String()
	if n := strings.Count(log, `msg="execution provider skipped"`); n != 1 || !strings.Contains(log, "provider=cuda") ||
		!strings.Contains(log, "cannot open shared object file") {
		t.Fatalf("want one skip line for cuda naming the missing library, got %d:\n%s", n, log)
	}
	t.Logf("ONNX Runtime %s; %s", res.ORT, lastLine(log[:strings.Index(log, "cannot open")+len("cannot open shared object file")]))
}

func withoutEnv(env []string, keys ...string) []string {
	var out []string
	for _, kv := range env {
		keep := true
		for _, k := range keys {
			if strings.HasPrefix(kv, k+"=") {
				keep = false
			}
		}
		if keep {
			out = append(out, kv)
		}
	}
	return out
}
