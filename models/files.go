package models

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
)

// fileSHA256 hashes the file at path.
func fileSHA256(path string) (sum string, size int64, err error) {
	f, err := os.Open(path)
	if err != nil {
		return "", 0, err
	}
	defer f.Close()
	h := sha256.New()
	n, err := io.Copy(h, f)
	if err != nil {
		return "", 0, err
	}
	return hex.EncodeToString(h.Sum(nil)), n, nil
}

// checkFile verifies path against a sha256 and size (size 0: not checked). Errors wrap
// ErrMissing or ErrHashMismatch and name the file.
func checkFile(path, wantSHA string, wantSize int64) error {
	st, err := os.Stat(path)
	if errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("%w: %s", ErrMissing, path)
	}
	if err != nil {
		return err
	}
	if wantSize > 0 && st.Size() != wantSize {
		return fmt.Errorf("%w: %s has %d bytes, want %d", ErrHashMismatch, path, st.Size(), wantSize)
	}
	sum, _, err := fileSHA256(path)
	if err != nil {
		return err
	}
	if sum != wantSHA {
		return fmt.Errorf("%w: %s has sha256 %s, want %s", ErrHashMismatch, path, sum, wantSHA)
	}
	return nil
}

// writeAtomic copies r into dst through a temp file in dst's folder, checks the sha256
// (and size when > 0) before renaming into place: a bad or partial copy never lands at dst.
// An empty wantSHA skips the check.
func writeAtomic(dst string, r io.Reader, wantSHA string, wantSize int64) (err error) {
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(dst), "."+filepath.Base(dst)+".part*")
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	h := sha256.New()
	n, err := io.Copy(io.MultiWriter(tmp, h), r)
	if err != nil {
		return fmt.Errorf("write %s: %w", dst, err)
	}
	sum := hex.EncodeToString(h.Sum(nil))
	if wantSize > 0 && n != wantSize {
		return fmt.Errorf("%w: %s: got %d bytes, want %d", ErrHashMismatch, dst, n, wantSize)
	}
	if wantSHA != "" && sum != wantSHA {
		return fmt.Errorf("%w: %s: got sha256 %s, want %s", ErrHashMismatch, dst, sum, wantSHA)
	}
	if err := tmp.Sync(); err != nil {
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if err := os.Chmod(tmp.Name(), 0o644); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), dst)
}
