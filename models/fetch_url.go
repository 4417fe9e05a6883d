package models

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
)

// fetchURL downloads each missing or bad file of e over https, checking its sha256.
func (s *Store) fetchURL(ctx context.Context, e Entry) error {
	var errs []error
	for _, f := range e.Files {
		dst := filepath.Join(s.EntryDir(e), filepath.FromSlash(f.Name))
		if checkFile(dst, f.SHA256, f.Size) == nil {
			continue
		}
		if err := s.download(ctx, f, dst); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

func (s *Store) download(ctx context.Context, f File, dst string) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, f.From, nil)
	if err != nil {
		return fmt.Errorf("%w: %w", ErrFetch, err)
	}
	resp, err := s.http.Do(req)
	if err != nil {
		return fmt.Errorf("%w: %w", ErrFetch, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("%w: GET %s: %s", ErrFetch, f.From, resp.Status)
	}
	total := resp.ContentLength
	if total <= 0 {
		total = f.Size
	}
	m := s.newMeter("downloading "+f.Name, total)
	defer m.finish()
	return writeAtomic(dst, m.reader(resp.Body), f.SHA256, f.Size)
}

// fetchLocal copies each missing or bad file of e from a local folder (File.From
// relative to Source.Path) or, for a single file with no From, from Source.Path itself.
func (s *Store) fetchLocal(e Entry) error {
	var errs []error
	for _, f := range e.Files {
		dst := filepath.Join(s.EntryDir(e), filepath.FromSlash(f.Name))
		if checkFile(dst, f.SHA256, f.Size) == nil {
			continue
		}
		src := e.Source.Path
		if f.From != "" {
			src = filepath.Join(src, filepath.FromSlash(f.From))
		}
		if err := s.copyLocal(src, f, dst); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

func (s *Store) copyLocal(src string, f File, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return fmt.Errorf("%w: %w", ErrFetch, err)
	}
	defer in.Close()
	m := s.newMeter("copying "+f.Name, f.Size)
	defer m.finish()
	return writeAtomic(dst, m.reader(in), f.SHA256, f.Size)
}
