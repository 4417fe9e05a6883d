package models

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
)

// Verify rehashes every cached file of the entry (fetching nothing): the error wraps
// ErrMissing, ErrHashMismatch or ErrStale and names each bad file.
func (s *Store) Verify(ctx context.Context, name string) error {
	e, err := s.Entry(name)
	if err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	if e.Source.Type == SourceDerived {
		if err := s.checkDerived(e); err != nil {
			return fmt.Errorf("model %s: %w", e.Name, err)
		}
		return nil
	}
	if bad := s.check(e); len(bad) > 0 {
		return fmt.Errorf("model %s: %w", e.Name, errors.Join(bad...))
	}
	return nil
}

// State says cheaply (sizes, no hashing) how an entry stands in the cache:
// "cached", "partial" (some files), "stale" (old converter), "missing" or "unverified"
// (hashes unknown: never fetched).
func (s *Store) State(e Entry) string {
	if e.Source.Type == SourceDerived {
		err := s.checkDerivedCheap(e)
		switch {
		case err == nil:
			return "cached"
		case errors.Is(err, ErrStale):
			return "stale"
		case errors.Is(err, ErrMissing):
			return "missing"
		}
		return "partial"
	}
	if e.Unverified != "" {
		return "unverified"
	}
	have := 0
	for _, f := range e.Files {
		st, err := os.Stat(filepath.Join(s.EntryDir(e), filepath.FromSlash(f.Name)))
		if err == nil && st.Size() == f.Size {
			have++
		}
	}
	switch have {
	case len(e.Files):
		return "cached"
	case 0:
		return "missing"
	}
	return "partial"
}

// checkDerivedCheap is checkDerived without hashing the file.
func (s *Store) checkDerivedCheap(e Entry) error {
	dst := filepath.Join(s.EntryDir(e), filepath.FromSlash(e.Files[0].Name))
	data, err := os.ReadFile(sidecarPath(dst))
	if err != nil {
		return fmt.Errorf("%w: %s", ErrMissing, dst)
	}
	sc, err := ParseSidecar(data)
	if err != nil {
		return err
	}
	if sc.ConverterVersion != s.converters[e.Source.Converter].Version {
		return ErrStale
	}
	if st, err := os.Stat(dst); err != nil || st.Size() != sc.Size {
		return fmt.Errorf("%w: %s", ErrHashMismatch, dst)
	}
	return nil
}

// Size is the entry's total size in bytes: from the manifest, or for a converted model
// from its sidecar (0 before conversion).
func (s *Store) Size(e Entry) int64 {
	if e.Source.Type == SourceDerived {
		data, err := os.ReadFile(sidecarPath(filepath.Join(s.EntryDir(e), filepath.FromSlash(e.Files[0].Name))))
		if err != nil {
			return 0
		}
		if sc, err := ParseSidecar(data); err == nil {
			return sc.Size
		}
		return 0
	}
	var n int64
	for _, f := range e.Files {
		n += f.Size
	}
	return n
}
