//go:build linux

package windows

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestWineUnitBinaries runs the packages' Windows-only unit tests (`go test -c` with
// GOOS=windows, built by scripts/windows/test.sh into unit/) under wine.
func TestWineUnitBinaries(t *testing.T) {
	r := needRig(t)
	bins, _ := filepath.Glob(filepath.Join(r.dir, "unit", "*.test.exe"))
	if len(bins) == 0 {
		t.Fatal("no unit test binaries in " + filepath.Join(r.dir, "unit"))
	}
	for _, b := range bins {
		name := strings.TrimSuffix(filepath.Base(b), ".test.exe")
		t.Run(name, func(t *testing.T) {
			cmd := r.exe(filepath.Join("unit", filepath.Base(b)), "-test.v", "-test.count=1")
			cmd.Dir = t.TempDir() // tests may write next to themselves
			cmd.Env = append(os.Environ(), "VIVID_UNDER_WINE=1")
			out, err := output(cmd, true)
			if err != nil || !strings.Contains(string(out), "\nPASS") {
				t.Fatalf("%s under wine: %v\n%s", name, err, out)
			}
			t.Logf("%s", lastLines(string(out), 30))
		})
	}
}

func lastLines(s string, n int) string {
	ls := strings.Split(strings.TrimSpace(s), "\n")
	if len(ls) > n {
		ls = ls[len(ls)-n:]
	}
	return strings.Join(ls, "\n")
}
