package models

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func sum(b []byte) string { h := sha256.Sum256(b); return hex.EncodeToString(h[:]) }

// localEntry is a two-file entry copied from dir.
func localEntry(name, dir string, files map[string][]byte) Entry {
	e := Entry{Name: name, Kind: KindPose, Version: "1", License: "MIT", Source: Source{Type: SourceLocal, Path: dir}}
	for n, b := range files {
		os.WriteFile(filepath.Join(dir, n), b, 0o644)
		e.Files = append(e.Files, File{Name: n, From: n, SHA256: sum(b), Size: int64(len(b))})
		e.Main = n
	}
	return e
}

func open(t *testing.T, cache string, offline bool, entries ...Entry) *Store {
	t.Helper()
	s, err := Open(Options{CacheDir: cache, Offline: offline, Manifest: &Manifest{Entries: entries}})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestLocalSourceVerifyAndRefetch(t *testing.T) {
	ctx := context.Background()
	src, cache := t.TempDir(), t.TempDir()
	e := localEntry("m", src, map[string][]byte{"model.onnx": []byte("onnx bytes")})
	s := open(t, cache, false, e)
	if got := s.State(e); got != "missing" {
		t.Fatalf("state %q", got)
	}
	p, err := s.Path(ctx, "m")
	if err != nil {
		t.Fatal(err)
	}
	if want := filepath.Join(cache, "m", "1", "model.onnx"); p != want {
		t.Fatalf("path %s, want %s", p, want)
	}
	if err := s.Verify(ctx, "m"); err != nil || s.State(e) != "cached" {
		t.Fatalf("verify %v state %s", err, s.State(e))
	}
	// Flip one byte: verify names the file, a new store's Path fetches it again.
	b, _ := os.ReadFile(p)
	b[0] ^= 1
	os.WriteFile(p, b, 0o644)
	err = s.Verify(ctx, "m")
	if !errors.Is(err, ErrHashMismatch) || !strings.Contains(err.Error(), p) {
		t.Fatalf("verify after flip = %v", err)
	}
	leftover := filepath.Join(cache, "m", "1", ".model.onnx.part123")
	os.WriteFile(leftover, []byte("half"), 0o644)
	if _, err := open(t, cache, false, e).Path(ctx, "m"); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(leftover); !os.IsNotExist(err) {
		t.Fatalf("leftover temp file kept: %v", err)
	}
	if err := s.Verify(ctx, "m"); err != nil {
		t.Fatalf("verify after refetch: %v", err)
	}
}

func TestOfflineNamesModelAndCommand(t *testing.T) {
	e := localEntry("pose-x", t.TempDir(), map[string][]byte{"a.onnx": []byte("a")})
	_, err := open(t, t.TempDir(), true, e).Path(context.Background(), "pose-x")
	if !errors.Is(err, ErrOffline) || !strings.Contains(err.Error(), "model pose-x is not in the cache") ||
		!strings.Contains(err.Error(), "run `vivid-ml-engine models fetch pose-x`") {
		t.Fatalf("offline error = %v", err)
	}
	if _, err := open(t, t.TempDir(), true, e).Path(context.Background(), "nope"); err == nil ||
		err.Error() != `unknown model "nope" (see `+"`vivid-ml-engine models list`)" {
		t.Fatalf("unknown = %v", err)
	}
}

// A file server whose first bad responses are corrupt: the store refetches once, then fails.
func TestURLSourceRefetchOnce(t *testing.T) {
	body := []byte(strings.Repeat("weights", 1000))
	tests := []struct {
		name     string
		bad      int32 // corrupt responses before good ones
		wantErr  string
		requests int32
	}{
		{"good", 0, "", 1},
		{"one corrupt then good", 1, "", 2},
		{"always corrupt", 99, "model w: hash mismatch: ", 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var n atomic.Int32
			srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				b := append([]byte(nil), body...)
				if n.Add(1) <= tt.bad {
					b[10] ^= 0xff
				}
				w.Write(b)
			}))
			defer srv.Close()
			e := Entry{Name: "w", Kind: KindDiffusion, Version: "1", License: "MIT", Source: Source{Type: SourceURL},
				Files: []File{{Name: "w.bin", From: srv.URL + "/w.bin", SHA256: sum(body), Size: int64(len(body))}}, Main: "w.bin"}
			s, err := Open(Options{CacheDir: t.TempDir(), Manifest: &Manifest{Entries: []Entry{e}}, HTTPClient: srv.Client()})
			if err != nil {
				t.Fatal(err)
			}
			p, err := s.Path(context.Background(), "w")
			if tt.wantErr != "" {
				if err == nil || !strings.HasPrefix(err.Error(), tt.wantErr) || !strings.Contains(err.Error(), "w.bin") {
					t.Fatalf("err = %v, want prefix %q naming w.bin", err, tt.wantErr)
				}
				// Nothing partial is left in place.
				if _, serr := os.Stat(filepath.Join(s.Dir(), "w", "1", "w.bin")); !os.IsNotExist(serr) {
					t.Fatalf("corrupt file landed: %v", serr)
				}
			} else if err != nil {
				t.Fatal(err)
			} else if got, _ := os.ReadFile(p); string(got) != string(body) {
				t.Fatal("content differs")
			}
			if n.Load() != tt.requests {
				t.Fatalf("%d requests, want %d", n.Load(), tt.requests)
			}
			srv.Client().CloseIdleConnections()
		})
	}
}

func TestURLSourceHTTPError(t *testing.T) {
	srv := httptest.NewTLSServer(http.NotFoundHandler())
	defer srv.Close()
	defer srv.Client().CloseIdleConnections()
	e := Entry{Name: "w", Kind: KindDiffusion, Version: "1", License: "MIT", Source: Source{Type: SourceURL},
		Files: []File{{Name: "w.bin", From: srv.URL + "/w.bin", SHA256: sum(nil), Size: 1}}, Main: "w.bin"}
	s, _ := Open(Options{CacheDir: t.TempDir(), Manifest: &Manifest{Entries: []Entry{e}}, HTTPClient: srv.Client()})
	_, err := s.Path(context.Background(), "w")
	if !errors.Is(err, ErrFetch) || !strings.HasSuffix(err.Error(), "/w.bin: 404 Not Found") {
		t.Fatalf("err = %v", err)
	}
}

// Many stores (as many processes would) fetching and converting the same entries at
// once: the lock makes exactly one conversion and one download happen.
func TestConcurrentStoresShareCache(t *testing.T) {
	body := []byte(strings.Repeat("tfjs", 5000))
	var gets atomic.Int32
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		gets.Add(1)
		w.Write(body)
	}))
	defer srv.Close()
	defer srv.Client().CloseIdleConnections()
	src := Entry{Name: "m-tfjs", Kind: KindTFJSSource, Version: "1", License: "MIT", Source: Source{Type: SourceURL},
		Files: []File{{Name: "model.json", From: srv.URL + "/model.json", SHA256: sum(body), Size: int64(len(body))}}, Main: "model.json"}
	conv := Entry{Name: "m", Kind: KindPose, Version: "1", License: "MIT",
		Source: Source{Type: SourceDerived, From: "m-tfjs", Converter: "tfjs"}, Files: []File{{Name: "model.onnx"}}, Main: "model.onnx"}
	var converts atomic.Int32
	fake := Converter{Version: "fake-1", Convert: func(s, d string) error {
		converts.Add(1)
		b, err := os.ReadFile(s)
		if err != nil {
			return err
		}
		return writeAtomic(d, strings.NewReader(strings.ToUpper(string(b))), "", 0)
	}}
	cache := t.TempDir()
	var wg sync.WaitGroup
	errs := make([]error, 8)
	for i := range errs {
		wg.Go(func() {
			s, err := Open(Options{CacheDir: cache, Manifest: &Manifest{Entries: []Entry{src, conv}},
				HTTPClient: srv.Client(), Converters: map[string]Converter{"tfjs": fake}})
			if err == nil {
				_, err = s.Path(context.Background(), "m")
			}
			errs[i] = err
		})
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	if gets.Load() != 1 || converts.Load() != 1 {
		t.Fatalf("%d downloads, %d conversions; want 1 and 1", gets.Load(), converts.Load())
	}
}

func TestDerivedSidecarStaleAndCorrupt(t *testing.T) {
	ctx := context.Background()
	dir, cache := t.TempDir(), t.TempDir()
	src := localEntry("m-tfjs", dir, map[string][]byte{"model.json": []byte(`{"graph":1}`)})
	src.Kind = KindTFJSSource
	conv := Entry{Name: "m", Kind: KindPose, Version: "1", License: "MIT",
		Source: Source{Type: SourceDerived, From: "m-tfjs", Converter: "tfjs"}, Files: []File{{Name: "model.onnx"}}, Main: "model.onnx"}
	var converts int
	converter := func(version string) map[string]Converter {
		return map[string]Converter{"tfjs": {Version: version, Convert: func(s, d string) error {
			converts++
			return writeAtomic(d, strings.NewReader("converted "+version), "", 0)
		}}}
	}
	store := func(version string, offline bool) *Store {
		s, err := Open(Options{CacheDir: cache, Offline: offline, Manifest: &Manifest{Entries: []Entry{src, conv}}, Converters: converter(version)})
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	// Offline with an empty cache: the error names the derived model.
	if _, err := store("v1", true).Path(ctx, "m"); !errors.Is(err, ErrOffline) ||
		!strings.Contains(err.Error(), "model m is not in the cache") || !strings.Contains(err.Error(), "models fetch m`") {
		t.Fatalf("offline = %v", err)
	}
	p, err := store("v1", false).Path(ctx, "m")
	if err != nil || converts != 1 {
		t.Fatalf("path %v, %d conversions", err, converts)
	}
	sc, err := ParseSidecar(must(os.ReadFile(p + ".sidecar.json")))
	if err != nil || sc.ConverterVersion != "v1" || sc.Source != "m-tfjs@1" || sc.SHA256 != sum([]byte("converted v1")) {
		t.Fatalf("sidecar %+v %v", sc, err)
	}
	// A newer converter: verify says stale, Path converts again (even offline: the source is cached).
	if err := store("v2", false).Verify(ctx, "m"); !errors.Is(err, ErrStale) {
		t.Fatalf("verify stale = %v", err)
	}
	if _, err := store("v2", true).Path(ctx, "m"); err != nil || converts != 2 {
		t.Fatalf("reconvert: %v, %d conversions", err, converts)
	}
	// Corrupt the conversion: verify names it, Path converts again.
	os.WriteFile(p, []byte("converted v3"), 0o644)
	if err := store("v2", false).Verify(ctx, "m"); !errors.Is(err, ErrHashMismatch) || !strings.Contains(err.Error(), p) {
		t.Fatalf("verify corrupt = %v", err)
	}
	if _, err := store("v2", false).Path(ctx, "m"); err != nil || converts != 3 {
		t.Fatalf("after corruption: %v, %d conversions", err, converts)
	}
	// A failing converter is reported with the model name.
	s, _ := Open(Options{CacheDir: t.TempDir(), Manifest: &Manifest{Entries: []Entry{src, conv}},
		Converters: map[string]Converter{"tfjs": {Version: "x", Convert: func(s, d string) error { return errors.New("tfjs: boom") }}}})
	if _, err := s.Path(ctx, "m"); err == nil || err.Error() != "model m: convert m-tfjs: tfjs: boom" {
		t.Fatalf("failing converter = %v", err)
	}
}

func must(b []byte, err error) []byte {
	if err != nil {
		panic(err)
	}
	return b
}

func TestCacheDirPrecedence(t *testing.T) {
	t.Setenv("VIVID_CACHE_DIR", "/env/cache")
	if d, _ := CacheDir("/flag/cache"); d != "/flag/cache" {
		t.Fatalf("flag: %s", d)
	}
	if d, _ := CacheDir(""); d != "/env/cache" {
		t.Fatalf("env: %s", d)
	}
	t.Setenv("VIVID_CACHE_DIR", "")
	t.Setenv("XDG_CACHE_HOME", "/xdg")
	if d, _ := CacheDir(""); d != "/xdg/vivid-ml-engine" {
		t.Fatalf("xdg: %s", d)
	}
}
