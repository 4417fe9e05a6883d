package models

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// fakeHub serves the Hub's resolve protocol over TLS: /REPO/resolve/REV/FILE answers
// 302 to /cdn/SHA with X-Linked-Etag and X-Linked-Size, and /cdn/SHA serves the bytes
// with Range support. cut > 0 makes the CDN drop the first full response after cut bytes.
type fakeHub struct {
	srv   *httptest.Server
	files map[string][]byte // "repo/rev/file" → content
	cut   atomic.Int64
	gets  atomic.Int64
	auth  atomic.Value // last Authorization header seen by the CDN
}

func newFakeHub(t *testing.T) *fakeHub {
	h := &fakeHub{files: map[string][]byte{}}
	mux := http.NewServeMux()
	mux.HandleFunc("/cdn/", func(w http.ResponseWriter, r *http.Request) {
		h.gets.Add(1)
		h.auth.Store(r.Header.Get("Authorization"))
		sum := strings.TrimPrefix(r.URL.Path, "/cdn/")
		for _, b := range h.files {
			if s := sha(b); s == sum {
				if n := h.cut.Swap(0); n > 0 && r.Header.Get("Range") == "" {
					w.Header().Set("Content-Length", fmt.Sprint(len(b)))
					w.WriteHeader(http.StatusOK)
					w.Write(b[:n])
					panic(http.ErrAbortHandler) // drop the connection mid-body
				}
				http.ServeContent(w, r, "f", time.Time{}, bytes.NewReader(b))
				return
			}
		}
		http.NotFound(w, r)
	})
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		repo, rest, ok := strings.Cut(strings.TrimPrefix(r.URL.Path, "/"), "/resolve/")
		b, found := h.files[repo+"/"+rest]
		if !ok || !found {
			w.Header().Set("X-Error-Code", "EntryNotFound")
			http.Error(w, "Entry not found", http.StatusNotFound)
			return
		}
		w.Header().Set("X-Linked-Etag", `"`+sha(b)+`"`)
		w.Header().Set("X-Linked-Size", fmt.Sprint(len(b)))
		w.Header().Set("X-Repo-Commit", "0123456789abcdef0123456789abcdef01234567")
		http.Redirect(w, r, "/cdn/"+sha(b), http.StatusFound)
	})
	h.srv = httptest.NewTLSServer(mux)
	t.Cleanup(h.srv.Close)
	return h
}

func sha(b []byte) string { s := sha256.Sum256(b); return hex.EncodeToString(s[:]) }

func TestHubDownload(t *testing.T) {
	fh := newFakeHub(t)
	content := bytes.Repeat([]byte("safetensors!"), 10000)
	fh.files["org/model/abc123/unet/w.safetensors"] = content
	hub := &Hub{Endpoint: fh.srv.URL, HTTP: fh.srv.Client(), Token: "secret"}
	ctx := context.Background()
	dir := t.TempDir()

	dst := filepath.Join(dir, "w.safetensors")
	var last int64
	if err := hub.Download(ctx, "org/model", "abc123", "unet/w.safetensors", dst, sha(content), int64(len(content)),
		func(d, total int64) { last = d }); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(dst); !bytes.Equal(b, content) || last != int64(len(content)) {
		t.Fatalf("downloaded %d bytes, progress %d", len(b), last)
	}
	if a := fh.auth.Load(); a != "Bearer secret" {
		t.Errorf("token on a same-host redirect: %q", a) // a CDN on another host never gets it (CheckRedirect)
	}

	// a connection dropped mid-file leaves a .resume file; the next call continues with Range.
	fh.cut.Store(30000)
	dst2 := filepath.Join(dir, "w2.safetensors")
	err := hub.Download(ctx, "org/model", "abc123", "unet/w.safetensors", dst2, sha(content), int64(len(content)), nil)
	if !errors.Is(err, ErrFetch) {
		t.Fatalf("cut download: %v", err)
	}
	if st, err := os.Stat(dst2 + hubResume); err != nil || st.Size() == 0 || st.Size() >= int64(len(content)) {
		t.Fatalf("partial file after a cut: %v %v", st, err)
	}
	if err := hub.Download(ctx, "org/model", "abc123", "unet/w.safetensors", dst2, sha(content), int64(len(content)), nil); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(dst2); !bytes.Equal(b, content) {
		t.Fatal("resumed file differs")
	}
	if _, err := os.Stat(dst2 + hubResume); !os.IsNotExist(err) {
		t.Errorf("resume file left behind: %v", err)
	}

	for _, tc := range []struct {
		name, file, sha string
		want            string
	}{
		{"manifest disagrees with the hub", "unet/w.safetensors", strings.Repeat("a", 64),
			"hash mismatch: org/model/unet/w.safetensors@abc123: the Hub says sha256 " + sha(content) + ", the manifest " + strings.Repeat("a", 64)},
		{"missing file", "nope.safetensors", strings.Repeat("b", 64),
			"fetch failed: GET " + fh.srv.URL + "/org/model/resolve/abc123/nope.safetensors: 404 Not Found"},
		{"no sha256", "unet/w.safetensors", "", "fetch failed: org/model/unet/w.safetensors: no sha256 to verify against"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := filepath.Join(t.TempDir(), "x")
			err := hub.Download(ctx, "org/model", "abc123", tc.file, d, tc.sha, 0, nil)
			if err == nil || err.Error() != tc.want {
				t.Fatalf("error = %v\nwant    %s", err, tc.want)
			}
			if _, err := os.Stat(d); !os.IsNotExist(err) {
				t.Errorf("%s exists after a failed download", d)
			}
		})
	}
}

// TestStoreHF fetches an hf entry through the Store from the fake Hub, verifies it,
// and refuses an unverified entry without touching the network.
func TestStoreHF(t *testing.T) {
	fh := newFakeHub(t)
	content := []byte("unet weights")
	fh.files["org/lightning/0123abc/unet.safetensors"] = content
	m := &Manifest{Entries: []Entry{
		{Name: "lightning", Kind: KindDiffusion, Version: "1", License: "test",
			Source: Source{Type: SourceHF, Repo: "org/lightning", Revision: "0123abc"},
			Files:  []File{{Name: "unet.safetensors", From: "unet.safetensors", SHA256: sha(content), Size: int64(len(content))}},
			Main:   "unet.safetensors"},
		{Name: "turbo", Kind: KindDiffusion, Version: "1", License: "test", Unverified: "hashes unknown here",
			Source: Source{Type: SourceHF, Repo: "org/turbo", Revision: "main"},
			Files:  []File{{Name: "t.safetensors", From: "t.safetensors"}}, Main: "t.safetensors"},
	}}
	st, err := Open(Options{CacheDir: t.TempDir(), Manifest: m, HTTPClient: fh.srv.Client(), HubEndpoint: fh.srv.URL})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	p, err := st.Path(ctx, "lightning")
	if err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(p); !bytes.Equal(b, content) {
		t.Fatal("fetched file differs")
	}
	if err := st.Verify(ctx, "lightning"); err != nil {
		t.Error(err)
	}
	before := fh.gets.Load()
	_, err = st.Path(ctx, "turbo")
	if !errors.Is(err, ErrUnverified) || err.Error() != "model turbo: not fetchable: file hashes unknown: hashes unknown here" {
		t.Errorf("unverified entry: %v", err)
	}
	if fh.gets.Load() != before {
		t.Error("an unverified entry reached the network")
	}
	if s := st.State(m.Entries[1]); s != "unverified" {
		t.Errorf("state %q", s)
	}
}

// TestHubCDNOtherHost: the Hub redirects to a CDN on another host (as huggingface.co
// does for LFS files); the token stays with the Hub and X-Linked-Etag is still checked.
func TestHubCDNOtherHost(t *testing.T) {
	content := []byte("lfs bytes")
	var cdnAuth atomic.Value
	cdn := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		cdnAuth.Store(r.Header.Get("Authorization"))
		http.ServeContent(w, r, "f", time.Time{}, bytes.NewReader(content))
	}))
	defer cdn.Close()
	hubSrv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Linked-Etag", `"`+sha(content)+`"`)
		http.Redirect(w, r, cdn.URL+"/blob", http.StatusFound) // another host:port
	}))
	defer hubSrv.Close()
	hub := &Hub{Endpoint: hubSrv.URL, HTTP: hubSrv.Client(), Token: "secret"}
	dst := filepath.Join(t.TempDir(), "f")
	if err := hub.Download(context.Background(), "o/r", "main", "f", dst, sha(content), 0, nil); err != nil {
		t.Fatal(err)
	}
	if a, _ := cdnAuth.Load().(string); a != "" {
		t.Errorf("token sent to the CDN host: %q", a)
	}
	if err := hub.Download(context.Background(), "o/r", "main", "f", dst+"2", strings.Repeat("0", 64), 0, nil); !errors.Is(err, ErrHashMismatch) {
		t.Errorf("X-Linked-Etag across a redirect not checked: %v", err)
	}
}

// TestHubResumeEdges: a complete .resume file is verified without a request; a Store
// fetch whose connection drops resumes within the same call.
func TestHubResumeEdges(t *testing.T) {
	fh := newFakeHub(t)
	content := bytes.Repeat([]byte{1, 2, 3, 4, 5}, 20000)
	fh.files["o/m/r1/w.bin"] = content
	hub := &Hub{Endpoint: fh.srv.URL, HTTP: fh.srv.Client()}
	dst := filepath.Join(t.TempDir(), "w.bin")
	os.WriteFile(dst+hubResume, content, 0o644)
	before := fh.gets.Load()
	if err := hub.Download(context.Background(), "o/m", "r1", "w.bin", dst, sha(content), int64(len(content)), nil); err != nil {
		t.Fatal(err)
	}
	if fh.gets.Load() != before {
		t.Error("a complete partial file was downloaded again")
	}

	fh.cut.Store(12345)
	m := &Manifest{Entries: []Entry{{Name: "w", Kind: KindDiffusion, Version: "1", License: "test",
		Source: Source{Type: SourceHF, Repo: "o/m", Revision: "r1"},
		Files:  []File{{Name: "w.bin", From: "w.bin", SHA256: sha(content), Size: int64(len(content))}}, Main: "w.bin"}}}
	st, err := Open(Options{CacheDir: t.TempDir(), Manifest: m, HTTPClient: fh.srv.Client(), HubEndpoint: fh.srv.URL})
	if err != nil {
		t.Fatal(err)
	}
	p, err := st.Path(context.Background(), "w")
	if err != nil {
		t.Fatalf("fetch with a dropped connection: %v", err)
	}
	if b, _ := os.ReadFile(p); !bytes.Equal(b, content) {
		t.Fatal("resumed file differs")
	}
}
