package tests

import (
	"bytes"
	"encoding/json"
	"errors"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// run runs the engine and returns stdout, stderr and the exit code.
func runEngine(t *testing.T, args ...string) (string, string, int) {
	t.Helper()
	out, errb, err := runCLI(t, 5*time.Minute, engine(args...))
	code := 0
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatalf("engine %v: %v", args, err)
	}
	return string(out), string(errb), code
}

// Fetch through the real npm client into an empty cache, then flip one byte in each
// cached file in turn: `models verify` must fail and name that file.
func TestModelsFetchVerifyDetectsFlippedByte(t *testing.T) {
	t.Parallel()
	needTool(t, "npm")
	cache := t.TempDir()
	// Two processes fetch two models of the same npm tarball at once: the lock lets one
	// `npm pack` happen; the other waits and finds its files extracted.
	var outs, errs [2]bytes.Buffer
	cmds := [2]*exec.Cmd{
		engine("models", "fetch", "--cache-dir", cache, "movenet-lightning-tfjs"),
		engine("models", "fetch", "--cache-dir", cache, "movenet-thunder-tfjs"),
	}
	for i, c := range cmds {
		c.Stdout, c.Stderr = &outs[i], &errs[i]
		if err := c.Start(); err != nil {
			t.Fatal(err)
		}
	}
	for i, c := range cmds {
		if err := c.Wait(); err != nil {
			t.Fatalf("fetch %d: %v\n%s%s", i, err, outs[i].String(), errs[i].String())
		}
	}
	want := filepath.Join(cache, "movenet-lightning-tfjs", "4", "movenet-lightning.json")
	if got := strings.TrimSpace(outs[0].String()); got != "ok movenet-lightning-tfjs "+want {
		t.Fatalf("fetch printed %q, want the path %s", got, want)
	}
	if packs := strings.Count(errs[0].String()+errs[1].String(), `msg="npm pack"`); packs != 1 {
		t.Fatalf("%d npm packs for one tarball:\n%s\n%s", packs, errs[0].String(), errs[1].String())
	}
	// The same tarball served MultiPose too: cached without another fetch.
	out, stderr, code := runEngine(t, "models", "path", "--offline", "--cache-dir", cache, "movenet-multipose-tfjs")
	if code != 0 {
		t.Fatalf("multipose not extracted with lightning: %s%s", out, stderr)
	}
	// Convert Lightning from the cached TFJS model (no network needed: --offline).
	out, stderr, code = runEngine(t, "models", "fetch", "--offline", "--cache-dir", cache, "movenet-lightning")
	if code != 0 {
		t.Fatalf("conversion: %s%s", out, stderr)
	}
	if _, err := os.Stat(filepath.Join(cache, "movenet-lightning", "4", "model.onnx.sidecar.json")); err != nil {
		t.Fatal(err)
	}
	// The ONNX Runtime library from the shared cache (provisioned by make), copied in.
	if lib, _, code := runEngine(t, "models", "path", "onnxruntime"); code == 0 {
		dst := filepath.Join(cache, "onnxruntime", "1.29.0", filepath.Base(strings.TrimSpace(lib)))
		os.MkdirAll(filepath.Dir(dst), 0o755)
		if b, err := os.ReadFile(strings.TrimSpace(lib)); err == nil {
			os.WriteFile(dst, b, 0o644)
		}
	} else if strict() {
		t.Fatal("onnxruntime is not in the shared cache (run make provision)")
	}
	out, stderr, code = runEngine(t, "models", "verify", "--cache-dir", cache)
	if code != 0 {
		t.Fatalf("verify of a fresh cache failed: %s%s", out, stderr)
	}
	var files []string
	filepath.WalkDir(cache, func(p string, d fs.DirEntry, err error) error {
		if err == nil && d.Type().IsRegular() && !strings.Contains(p, ".locks") {
			files = append(files, p)
		}
		return nil
	})
	if len(files) < 8 {
		t.Fatalf("only %d cached files: %v", len(files), files)
	}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		i := len(b) / 2
		b[i] ^= 0x20
		os.WriteFile(f, b, 0o644)
		out, stderr, code := runEngine(t, "models", "verify", "--cache-dir", cache)
		if code == 0 || !strings.Contains(stderr, f) ||
			!strings.Contains(stderr, "hash mismatch") && !strings.Contains(stderr, "bad sidecar") {
			t.Errorf("flipped byte in %s: verify exit %d\n%s%s", f, code, out, stderr)
		}
		b[i] ^= 0x20
		os.WriteFile(f, b, 0o644)
	}
	if out, stderr, code = runEngine(t, "models", "verify", "--cache-dir", cache); code != 0 {
		t.Fatalf("verify after restoring: %s%s", out, stderr)
	}
}

// --offline with an empty cache names the missing model and the command that fetches it.
func TestModelsOfflineEmptyCache(t *testing.T) {
	t.Parallel()
	for _, name := range []string{"movenet-lightning", "onnxruntime", "movenet-multipose-tfjs"} {
		out, stderr, code := runEngine(t, "models", "path", "--offline", "--cache-dir", t.TempDir(), name)
		if code == 0 || out != "" {
			t.Fatalf("%s: exit %d, stdout %q", name, code, out)
		}
		if !strings.Contains(stderr, "model "+name+" is not in the cache") ||
			!strings.Contains(stderr, "`vivid-ml-engine models fetch "+name+"`") {
			t.Errorf("%s: message does not name the model and the fetch command:\n%s", name, stderr)
		}
	}
}

func TestModelsListJSON(t *testing.T) {
	t.Parallel()
	cache := t.TempDir()
	out, stderr, code := runEngine(t, "models", "list", "--json", "--cache-dir", cache)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	var rows []struct{ Name, Kind, State, Path, License string }
	if err := json.Unmarshal([]byte(out), &rows); err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, r := range rows {
		got[r.Name] = r.Kind + "/" + r.State
		if !strings.HasPrefix(r.Path, cache) || r.License == "" {
			t.Errorf("row %+v", r)
		}
	}
	for name, want := range map[string]string{"onnxruntime": "runtime/missing", "movenet-lightning": "pose/missing",
		"movenet-thunder-tfjs": "tfjs-source/missing", "movenet-multipose": "pose/missing"} {
		if got[name] != want {
			t.Errorf("%s: %q, want %q", name, got[name], want)
		}
	}
}

func TestModelsUsageErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"models", "path", "nope"}, "unknown model \"nope\""},
		{[]string{"models", "verify", "--cache-dir", "/nonexistent-vivid", "movenet-thunder"}, "missing file"},
		{[]string{"models", "frob"}, "unknown models command \"frob\""},
		{[]string{"models", "list", "--log-level", "loud"}, "--log-level \"loud\""},
	}
	for _, tt := range tests {
		_, stderr, code := runEngine(t, tt.args...)
		if code == 0 || !strings.Contains(stderr, tt.want) {
			t.Errorf("%v: exit %d, stderr %q, want %q", tt.args, code, stderr, tt.want)
		}
	}
}
