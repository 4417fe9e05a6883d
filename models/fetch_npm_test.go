//go:build unix

package models

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// fakeNPM writes a tarball with files and an `npm` script that "packs" it into
// --pack-destination, counting its runs in a file.
func fakeNPM(t *testing.T, files map[string][]byte) (npm, tgzSHA, counter string) {
	t.Helper()
	dir := t.TempDir()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	tw := tar.NewWriter(zw)
	tw.WriteHeader(&tar.Header{Name: "package/", Typeflag: tar.TypeDir, Mode: 0o755})
	for name, b := range files {
		tw.WriteHeader(&tar.Header{Name: name, Typeflag: tar.TypeReg, Mode: 0o644, Size: int64(len(b))})
		tw.Write(b)
	}
	tw.Close()
	zw.Close()
	tgz := filepath.Join(dir, "pkg.tgz")
	os.WriteFile(tgz, buf.Bytes(), 0o644)
	counter = filepath.Join(dir, "count")
	npm = filepath.Join(dir, "npm")
	script := fmt.Sprintf("#!/bin/sh\n[ \"$1\" = pack ] && [ \"$3\" = --pack-destination ] || exit 3\necho \"$2\" >> %q\ncp %q \"$4/pkg-1.0.0.tgz\"\n", counter, tgz)
	os.WriteFile(npm, []byte(script), 0o755)
	return npm, sum(buf.Bytes()), counter
}

func TestNPMSourceExtractsSiblingsOnce(t *testing.T) {
	a, b := []byte("model a"), []byte("library b")
	npm, tgzSHA, counter := fakeNPM(t, map[string][]byte{"package/models/a.json": a, "package/bin/b.so": b, "package/other": []byte("x")})
	src := Source{Type: SourceNPM, Package: "@scope/pkg", Version: "1.0.0", SHA256: tgzSHA}
	ea := Entry{Name: "a", Kind: KindTFJSSource, Version: "1", License: "MIT", Source: src,
		Files: []File{{Name: "a.json", From: "package/models/a.json", SHA256: sum(a), Size: int64(len(a))}}, Main: "a.json"}
	eb := Entry{Name: "b", Kind: KindRuntime, Version: "1", License: "MIT", Source: src,
		Files: []File{{Name: "lib/b.so", From: "package/bin/b.so", SHA256: sum(b), Size: int64(len(b))}}, Main: "lib/b.so"}
	s, err := Open(Options{CacheDir: t.TempDir(), Manifest: &Manifest{Entries: []Entry{ea, eb}}, NPM: npm})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if _, err := s.Path(ctx, "a"); err != nil {
		t.Fatal(err)
	}
	p, err := s.Path(ctx, "b")
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := os.ReadFile(p); string(got) != "library b" {
		t.Fatalf("b = %q", got)
	}
	if runs, _ := os.ReadFile(counter); string(runs) != "@scope/pkg@1.0.0\n" {
		t.Fatalf("npm runs: %q", runs)
	}
	if left, _ := filepath.Glob(filepath.Join(s.Dir(), ".npm-*")); len(left) != 0 {
		t.Fatalf("temp folders left: %v", left)
	}
}

func TestNPMTarballMismatch(t *testing.T) {
	a := []byte("model a")
	npm, _, counter := fakeNPM(t, map[string][]byte{"package/a": a})
	bad := strings.Repeat("ab", 32)
	e := Entry{Name: "a", Kind: KindPose, Version: "1", License: "MIT",
		Source: Source{Type: SourceNPM, Package: "pkg", Version: "1.0.0", SHA256: bad},
		Files:  []File{{Name: "a", From: "package/a", SHA256: sum(a), Size: int64(len(a))}}, Main: "a"}
	s, _ := Open(Options{CacheDir: t.TempDir(), Manifest: &Manifest{Entries: []Entry{e}}, NPM: npm})
	_, err := s.Path(context.Background(), "a")
	if !errors.Is(err, ErrHashMismatch) || !strings.HasPrefix(err.Error(), "model a: npm tarball pkg@1.0.0: hash mismatch: ") {
		t.Fatalf("err = %v", err)
	}
	if runs, _ := os.ReadFile(counter); strings.Count(string(runs), "\n") != 2 {
		t.Fatalf("npm ran %q, want twice", runs)
	}
}

func TestNPMFailure(t *testing.T) {
	e := Entry{Name: "a", Kind: KindPose, Version: "1", License: "MIT",
		Source: Source{Type: SourceNPM, Package: "pkg", Version: "1.0.0", SHA256: strings.Repeat("ab", 32)},
		Files:  []File{{Name: "a", From: "package/a", SHA256: strings.Repeat("ab", 32), Size: 1}}, Main: "a"}
	s, _ := Open(Options{CacheDir: t.TempDir(), Manifest: &Manifest{Entries: []Entry{e}}, NPM: "/nonexistent/npm"})
	_, err := s.Path(context.Background(), "a")
	if !errors.Is(err, ErrFetch) || !strings.HasPrefix(err.Error(), "model a: fetch failed: npm pack pkg@1.0.0: ") {
		t.Fatalf("err = %v", err)
	}
}
