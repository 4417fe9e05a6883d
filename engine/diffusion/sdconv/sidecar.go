package sdconv

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"time"
)

// SidecarName is the file in a converted folder that records how it was made: the
// converter version, the options, the sha256 of every source file and of every file
// written. Verify checks a folder against it; UpToDate says whether it can be reused.
const SidecarName = "conversion.json"

// FileHash is one file's path, sha256 and size.
type FileHash struct {
	Path   string `json:"path"`
	SHA256 string `json:"sha256"`
	Size   int64  `json:"size"`
}

// Sidecar is the content of conversion.json.
type Sidecar struct {
	ConverterVersion string     `json:"converter_version"`
	FP16             bool       `json:"fp16"`
	LoRAs            []LoRA     `json:"loras"`
	Base             string     `json:"base,omitempty"`
	Parts            []string   `json:"parts,omitempty"` // the models built, when not all (--parts)
	Sources          []FileHash `json:"sources"`         // absolute paths
	Files            []FileHash `json:"files"`           // relative to the folder
	Created          string     `json:"created"`
	// Check is the sha256 of the sidecar's JSON with Check empty.
	Check string `json:"check"`
}

func (s Sidecar) checksum() string {
	s.Check = ""
	b, _ := json.Marshal(s)
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}

// HashFile returns the sha256 (hex) and size of a file.
func HashFile(path string) (string, int64, error) {
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

// hashAll hashes paths (relative to rel when set), taking a hash from known when it
// lists the same path with the file's current size.
func hashAll(paths []string, rel string, known []FileHash) ([]FileHash, error) {
	by := map[string]FileHash{}
	for _, k := range known {
		by[k.Path] = k
	}
	var out []FileHash
	for _, p := range paths {
		full := p
		if rel != "" {
			full = filepath.Join(rel, filepath.FromSlash(p))
		}
		if k, ok := by[p]; ok {
			if st, err := os.Stat(full); err == nil && st.Size() == k.Size {
				out = append(out, k)
				continue
			}
		}
		sum, n, err := HashFile(full)
		if err != nil {
			return nil, fmt.Errorf("sdconv: hashing: %w", err)
		}
		out = append(out, FileHash{Path: p, SHA256: sum, Size: n})
	}
	return out, nil
}

// absAll makes paths absolute so that a sidecar names its sources unambiguously.
func absAll(paths []string) []string {
	out := make([]string, len(paths))
	for i, p := range paths {
		if a, err := filepath.Abs(p); err == nil {
			p = a
		}
		out[i] = p
	}
	return out
}

// WriteSidecar hashes the sources and every model and extra file in out (using the
// hashes Convert computed on the way where it has them) and writes out/conversion.json.
func WriteSidecar(out string, res *Result, o Options) error {
	known := make([]FileHash, len(res.SourceHashes))
	for i, h := range res.SourceHashes {
		h.Path = absAll([]string{h.Path})[0]
		known[i] = h
	}
	srcs, err := hashAll(absAll(res.Sources), "", known)
	if err != nil {
		return err
	}
	var names []string
	err = filepath.WalkDir(out, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		r, _ := filepath.Rel(out, p)
		if r != SidecarName {
			names = append(names, filepath.ToSlash(r))
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("sdconv: %w", err)
	}
	slices.Sort(names)
	files, err := hashAll(names, out, res.Hashes)
	if err != nil {
		return err
	}
	sc := Sidecar{ConverterVersion: ConverterVersion, FP16: o.FP16, LoRAs: absLoRAs(o.LoRAs), Base: o.Base,
		Parts: sortedParts(o.Parts), Sources: srcs, Files: files, Created: time.Now().UTC().Format(time.RFC3339)}
	sc.Check = sc.checksum()
	b, err := json.MarshalIndent(sc, "", "  ")
	if err != nil {
		return fmt.Errorf("sdconv: %w", err)
	}
	if err := os.WriteFile(filepath.Join(out, SidecarName), append(b, '\n'), 0o644); err != nil {
		return fmt.Errorf("sdconv: %w", err)
	}
	return nil
}

// sortedParts is parts sorted, without duplicates (nil when empty: every part).
func sortedParts(parts []string) []string {
	if len(parts) == 0 {
		return nil
	}
	p := slices.Clone(parts)
	slices.Sort(p)
	return slices.Compact(p)
}

func absLoRAs(ls []LoRA) []LoRA {
	out := make([]LoRA, len(ls))
	for i, l := range ls {
		out[i] = LoRA{Path: absAll([]string{l.Path})[0], Scale: l.Scale}
	}
	if len(out) == 0 {
		return []LoRA{}
	}
	return out
}

// ReadSidecar reads and checks out/conversion.json.
func ReadSidecar(out string) (*Sidecar, error) {
	data, err := os.ReadFile(filepath.Join(out, SidecarName))
	if err != nil {
		return nil, fmt.Errorf("sdconv: %w", err)
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var sc Sidecar
	if err := dec.Decode(&sc); err != nil {
		return nil, fmt.Errorf("%w: %s: %w", ErrCorrupt, SidecarName, err)
	}
	if sc.Check != sc.checksum() {
		return nil, fmt.Errorf("%w: %s: check field does not match its content", ErrCorrupt, SidecarName)
	}
	return &sc, nil
}

// Verify rehashes every file the sidecar of out lists.
func Verify(out string) (*Sidecar, error) {
	sc, err := ReadSidecar(out)
	if err != nil {
		return nil, err
	}
	var bad []error
	for _, f := range sc.Files {
		sum, n, err := HashFile(filepath.Join(out, filepath.FromSlash(f.Path)))
		switch {
		case err != nil:
			bad = append(bad, fmt.Errorf("%w: %s: %w", ErrCorrupt, f.Path, err))
		case sum != f.SHA256 || n != f.Size:
			bad = append(bad, fmt.Errorf("%w: %s has sha256 %s (%d bytes), the sidecar says %s (%d bytes)", ErrCorrupt, f.Path, sum, n, f.SHA256, f.Size))
		}
	}
	return sc, errors.Join(bad...)
}

// UpToDate reports (nil) whether out is a verified conversion of src with options o by
// this converter version: then it can be reused as it is.
func UpToDate(src, out string, o Options) error {
	sc, err := Verify(out)
	if err != nil {
		return err
	}
	if sc.ConverterVersion != ConverterVersion {
		return fmt.Errorf("%w: made by %s, the converter is %s", ErrStale, sc.ConverterVersion, ConverterVersion)
	}
	if sc.FP16 != o.FP16 || !slices.Equal(sc.LoRAs, absLoRAs(o.LoRAs)) || sc.Base != o.Base || !slices.Equal(sc.Parts, sortedParts(o.Parts)) {
		return fmt.Errorf("%w: made with other options (fp16 %v, loras %v, base %q, parts %v)", ErrStale, sc.FP16, sc.LoRAs, sc.Base, sc.Parts)
	}
	want := absAll([]string{src})[0]
	found := false
	for _, s := range sc.Sources {
		found = found || s.Path == want || filepath.Dir(s.Path) == want || filepath.Dir(filepath.Dir(s.Path)) == want
		sum, n, err := HashFile(s.Path)
		if err != nil || sum != s.SHA256 || n != s.Size {
			return fmt.Errorf("%w: source %s changed", ErrStale, s.Path)
		}
	}
	if !found {
		return fmt.Errorf("%w: made from other sources", ErrStale)
	}
	return nil
}
