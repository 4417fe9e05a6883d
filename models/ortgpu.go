package models

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
)

// ErrVersionMismatch means an ONNX Runtime core and its execution providers are of
// different versions; ONNX Runtime refuses (or crashes on) such a pair.
var ErrVersionMismatch = errors.New("onnx runtime core and providers differ in version")

// CUDAProviders is the manifest entry holding ONNX Runtime's CUDA and TensorRT providers.
const CUDAProviders = "onnxruntime-cuda"

// ORTGPULibrary returns an ONNX Runtime core with the CUDA and TensorRT providers beside
// it: ONNX Runtime loads providers from its own library's folder, so the "onnxruntime"
// core and the "onnxruntime-cuda" providers (same version, each fetched and verified)
// are linked into one folder, <cache>/onnxruntime-gpu/<version>/. Where the manifest
// has no providers for this platform the error says so.
func (s *Store) ORTGPULibrary(ctx context.Context) (string, error) {
	prov, err := s.Entry(CUDAProviders)
	if err != nil {
		return "", fmt.Errorf("no CUDA execution provider for this platform: %w", err)
	}
	core, err := s.Entry("onnxruntime")
	if err != nil {
		return "", err
	}
	if core.Version != prov.Version {
		return "", fmt.Errorf("%w: core %s, providers %s", ErrVersionMismatch, core.Version, prov.Version)
	}
	if err := s.ensure(ctx, core); err != nil {
		return "", err
	}
	if err := s.ensure(ctx, prov); err != nil {
		return "", err
	}
	dir := filepath.Join(s.dir, "onnxruntime-gpu", core.Version)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	link := func(e Entry, f File) error {
		src := filepath.Join(s.EntryDir(e), filepath.FromSlash(f.Name))
		dst := filepath.Join(dir, filepath.Base(f.Name))
		if checkFile(dst, f.SHA256, f.Size) == nil {
			return nil
		}
		tmp := dst + ".tmp"
		os.Remove(tmp)
		if err := os.Link(src, tmp); err != nil {
			if err := os.Symlink(src, tmp); err != nil {
				return fmt.Errorf("link %s: %w", dst, err)
			}
		}
		return os.Rename(tmp, dst)
	}
	for _, e := range []Entry{core, prov} {
		for _, f := range e.Files {
			if err := link(e, f); err != nil {
				return "", err
			}
		}
	}
	return filepath.Join(dir, filepath.Base(core.Main)), nil
}
