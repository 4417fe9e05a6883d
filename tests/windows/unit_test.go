//go:build linux

package windows

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestWineUnitBinaries runs packages' unit tests built for Windows (`go test -c`, by
// scripts/windows/test.sh into unit/PKG.test.exe, PKG's slashes as dots) under wine,
// each in its package folder as `go test` does (testdata, shipped files).
func TestWineUnitBinaries(t *testing.T) {
	r := needRig(t)
	bins, _ := filepath.Glob(filepath.Join(r.dir, "unit", "*.test.exe"))
	if len(bins) == 0 {
		t.Fatal("no unit test binaries in " + filepath.Join(r.dir, "unit"))
	}
	for _, b := range bins {
		name := strings.ReplaceAll(strings.TrimSuffix(filepath.Base(b), ".test.exe"), ".", "/")
		t.Run(name, func(t *testing.T) {
			args := []string{"-test.v", "-test.count=1"}
			if s := wineSkips[name]; s != "" {
				args = append(args, "-test.skip", s)
			}
			cmd := r.exe(filepath.Join("unit", filepath.Base(b)), args...)
			cmd.Dir = filepath.Join("..", "..", filepath.FromSlash(name))
			cmd.Env = append(os.Environ(), "VIVID_UNDER_WINE=1")
			out, err := output(cmd, true)
			if err != nil || !strings.Contains(string(out), "\nPASS") {
				t.Fatalf("%s under wine: %v\n%s", name, err, out)
			}
			t.Logf("%s", lastLines(string(out), 30))
		})
	}
}

// wineSkips are the unit tests that cannot pass as Windows binaries under wine, and why
// (README, "What cannot run under wine").
var wineSkips = map[string]string{
	// wine 8: a file symlink made by os.Symlink does not open ("File not found").
	"control": "^TestRenameReplaceAndSymlink$",
	// wine 8: renaming a fresh folder symlink over another fails ("File not found").
	"mapping": "^TestWatcherFollows$",
	// They compare Unix error texts ("stat …: no such file or directory"); Windows says
	// "GetFileAttributesEx …: File not found." (errors.Is(fs.ErrNotExist) holds).
	"engine": "^(TestTestPatternAndImageSource|TestParseSource)$",
	// Expects "/flag/cache" to be absolute; on Windows it is rooted, not absolute.
	"models": "^TestCacheDirPrecedence$",
	// TestCheckLines builds its expected paths with "/"; TestConfigPrecedence expects a
	// rooted "/etc/b.yaml" kept as written (on Windows it lands on the config's drive);
	// FuzzRunConfig asserts filepath.IsAbs for rooted paths; TestStartOutputs uses
	// --shm-out (POSIX shared memory: Linux and macOS); TestConfigAppliersNameRunFlags
	// fails on Linux too (two diffusion flags without config keys).
	"cmd/vivid-ml-engine": "^(TestCheckLines|TestConfigPrecedence|FuzzRunConfig|TestStartOutputs|TestConfigAppliersNameRunFlags)$",
}

func lastLines(s string, n int) string {
	ls := strings.Split(strings.TrimSpace(s), "\n")
	if len(ls) > n {
		ls = ls[len(ls)-n:]
	}
	return strings.Join(ls, "\n")
}
