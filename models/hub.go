package models

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
)

// The Hugging Face Hub's file protocol (as huggingface_hub's file_download.py speaks
// it): GET https://HOST/REPO/resolve/REVISION/FILE answers the file or redirects
// (302/307) to a CDN; for LFS files the first response carries X-Linked-Etag (the
// file's sha256) and X-Linked-Size, other files an ETag of their git blob. A Range
// request continues a partial download.

// DefaultHubEndpoint is the Hub; $HF_ENDPOINT overrides it (as in huggingface_hub).
const DefaultHubEndpoint = "https://huggingface.co"

// Hub downloads files from a Hugging Face Hub endpoint.
type Hub struct {
	Endpoint string       // e.g. https://huggingface.co
	HTTP     *http.Client // nil: http.DefaultClient
	Token    string       // sent as a bearer token when set ($HF_TOKEN)
}

// hubResume is the suffix of a partial download kept for resuming (not a ".part" temp
// file, which removeLeftovers deletes).
const hubResume = ".resume"

var sha256ETag = regexp.MustCompile(`^[0-9a-f]{64}$`)

// ResolveURL is the resolve URL of a file.
func (h *Hub) ResolveURL(repo, revision, file string) string {
	esc := strings.Split(file, "/")
	for i, p := range esc {
		esc[i] = url.PathEscape(p)
	}
	return strings.TrimSuffix(h.Endpoint, "/") + "/" + repo + "/resolve/" + url.PathEscape(revision) + "/" + strings.Join(esc, "/")
}

// Download fetches repo@revision:file into dst, resuming dst.resume when present,
// and renames it into place only when its sha256 is wantSHA (and size wantSize when
// > 0). The Hub's X-Linked-Etag, when it is a sha256, must agree with wantSHA too.
// progress (may be nil) is told the bytes done of total.
func (h *Hub) Download(ctx context.Context, repo, revision, file, dst, wantSHA string, wantSize int64, progress func(done, total int64)) error {
	if !hexSHA.MatchString(wantSHA) {
		return fmt.Errorf("%w: %s/%s: no sha256 to verify against", ErrFetch, repo, file)
	}
	client := h.HTTP
	if client == nil {
		client = http.DefaultClient
	}
	u := h.ResolveURL(repo, revision, file)
	part := dst + hubResume
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		return err
	}
	f, err := os.OpenFile(part, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return err
	}
	defer f.Close()
	hash := sha256.New()
	have, err := io.Copy(hash, f) // hash what an earlier attempt left
	if err != nil {
		return err
	}
	if wantSize > 0 && have > wantSize {
		if err := f.Truncate(0); err != nil {
			return err
		}
		hash.Reset()
		have = 0
	}
	if wantSize > 0 && have == wantSize { // an earlier attempt got every byte: only verify it
		return finishPart(f, hash, part, dst, repo, file, revision, wantSHA, wantSize)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return fmt.Errorf("%w: %w", ErrFetch, err)
	}
	if h.Token != "" {
		req.Header.Set("Authorization", "Bearer "+h.Token)
	}
	if have > 0 {
		req.Header.Set("Range", fmt.Sprintf("bytes=%d-", have))
	}
	var linked string // X-Linked-Etag of the first (Hub) response, before any redirect
	c := *client
	c.CheckRedirect = func(r *http.Request, via []*http.Request) error {
		if len(via) >= 10 {
			return errors.New("stopped after 10 redirects")
		}
		if r.Response != nil && linked == "" {
			linked = r.Response.Header.Get("X-Linked-Etag")
		}
		if r.URL.Host != via[0].URL.Host {
			r.Header.Del("Authorization") // never send the token to the CDN
		}
		return nil
	}
	resp, err := c.Do(req)
	if err != nil {
		return fmt.Errorf("%w: GET %s: %w", ErrFetch, u, err)
	}
	defer resp.Body.Close()
	if linked == "" {
		linked = resp.Header.Get("X-Linked-Etag")
	}
	if tag := strings.Trim(strings.TrimPrefix(linked, "W/"), `"`); sha256ETag.MatchString(tag) && tag != wantSHA {
		return fmt.Errorf("%w: %s/%s@%s: the Hub says sha256 %s, the manifest %s", ErrHashMismatch, repo, file, revision, tag, wantSHA)
	}
	switch resp.StatusCode {
	case http.StatusPartialContent:
		if start := rangeStart(resp.Header.Get("Content-Range")); start != have {
			return fmt.Errorf("%w: GET %s: asked for bytes from %d, got %q", ErrFetch, u, have, resp.Header.Get("Content-Range"))
		}
	case http.StatusOK: // no range support: start again
		if err := f.Truncate(0); err != nil {
			return err
		}
		if _, err := f.Seek(0, io.SeekStart); err != nil {
			return err
		}
		hash.Reset()
		have = 0
	case http.StatusRequestedRangeNotSatisfiable:
		f.Truncate(0)
		return fmt.Errorf("%w: GET %s: range from %d not satisfiable; the partial file was reset", ErrFetch, u, have)
	default:
		return fmt.Errorf("%w: GET %s: %s", ErrFetch, u, resp.Status)
	}
	total := wantSize
	if total <= 0 && resp.ContentLength > 0 {
		total = have + resp.ContentLength
	}
	w := io.MultiWriter(f, hash, &progressWriter{done: have, total: total, fn: progress})
	if _, err := io.Copy(w, resp.Body); err != nil {
		return fmt.Errorf("%w: GET %s: %w (the partial file is kept for resuming)", ErrFetch, u, err)
	}
	return finishPart(f, hash, part, dst, repo, file, revision, wantSHA, wantSize)
}

// finishPart checks the partial file's hash and size and renames it into place; a bad
// one is deleted.
func finishPart(f *os.File, h hash.Hash, part, dst, repo, file, revision, wantSHA string, wantSize int64) error {
	st, err := f.Stat()
	if err != nil {
		return err
	}
	if sum := hex.EncodeToString(h.Sum(nil)); sum != wantSHA || (wantSize > 0 && st.Size() != wantSize) {
		f.Close()
		os.Remove(part)
		return fmt.Errorf("%w: %s/%s@%s: got sha256 %s (%d bytes), want %s (%d bytes)", ErrHashMismatch, repo, file, revision, sum, st.Size(), wantSHA, wantSize)
	}
	if err := f.Sync(); err != nil {
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Rename(part, dst)
}

func rangeStart(cr string) int64 {
	s, ok := strings.CutPrefix(cr, "bytes ")
	if !ok {
		return -1
	}
	s, _, _ = strings.Cut(s, "-")
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return -1
	}
	return n
}

// progressWriter reports the bytes written so far to fn.
type progressWriter struct {
	done, total int64
	fn          func(done, total int64)
}

func (p *progressWriter) Write(b []byte) (int, error) {
	p.done += int64(len(b))
	if p.fn != nil {
		p.fn(p.done, p.total)
	}
	return len(b), nil
}
