package models

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"github.com/vivid-ml/vivid-ml-engine/onnx/tfjs"
)

// Converter turns an entry's main file (src) into a derived model file (dst, written atomically).
// Version identifies its output: a sidecar with another Version makes the model convert again.
type Converter struct {
	Version string
	Convert func(src, dst string) error
}

// tfjsConverterVersion identifies the output of onnx/tfjs; bump it whenever the importer's
// output changes so cached conversions are redone.
const tfjsConverterVersion = "tfjs-5"

func defaultConverters() map[string]Converter {
	return map[string]Converter{"tfjs": {Version: tfjsConverterVersion, Convert: tfjs.ConvertFile}}
}

// Sidecar records what a conversion produced, next to the file as FILE.sidecar.json:
// verify checks the file against it, and a new converter version re-converts.
type Sidecar struct {
	File             string `json:"file"`
	SHA256           string `json:"sha256"`
	Size             int64  `json:"size"`
	Converter        string `json:"converter"`
	ConverterVersion string `json:"converter_version"`
	Source           string `json:"source"` // entry@version converted from
	Created          string `json:"created"`
	// Check is the sha256 of the sidecar's JSON with Check empty, so that any change to the
	// sidecar itself is detected too.
	Check string `json:"check"`
}

// checksum is the sha256 of sc's JSON encoding with Check cleared.
func (sc Sidecar) checksum() string {
	sc.Check = ""
	b, _ := json.Marshal(sc)
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}

// ParseSidecar decodes a sidecar strictly and checks its fields.
func ParseSidecar(data []byte) (*Sidecar, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var sc Sidecar
	if err := dec.Decode(&sc); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrBadSidecar, err)
	}
	if !hexSHA.MatchString(sc.SHA256) || sc.Size <= 0 || !cleanRel(sc.File) || sc.ConverterVersion == "" {
		return nil, fmt.Errorf("%w: needs file, sha256, size and converter_version", ErrBadSidecar)
	}
	if sc.Check != sc.checksum() {
		return nil, fmt.Errorf("%w: check field does not match its content", ErrBadSidecar)
	}
	return &sc, nil
}

func sidecarPath(dst string) string { return dst + ".sidecar.json" }

// checkDerived verifies a converted file against its sidecar and the current converter.
func (s *Store) checkDerived(e Entry) error {
	dst := filepath.Join(s.EntryDir(e), filepath.FromSlash(e.Files[0].Name))
	data, err := os.ReadFile(sidecarPath(dst))
	if errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("%w: %s (not converted yet)", ErrMissing, sidecarPath(dst))
	}
	if err != nil {
		return err
	}
	sc, err := ParseSidecar(data)
	if err != nil {
		return fmt.Errorf("%s: %w", sidecarPath(dst), err)
	}
	if want := s.converters[e.Source.Converter].Version; sc.ConverterVersion != want {
		return fmt.Errorf("%w: %s was made by %s, the converter is now %s", ErrStale, dst, sc.ConverterVersion, want)
	}
	if err := checkFile(dst, sc.SHA256, sc.Size); err != nil {
		return fmt.Errorf("%w (recorded in %s)", err, sidecarPath(dst))
	}
	return nil
}

// ensureDerived converts the entry from its source entry unless a verified, current
// conversion is cached. Conversion needs no network, so it also runs offline when the
// source is cached.
func (s *Store) ensureDerived(ctx context.Context, e Entry) error {
	unlock, err := s.lock(ctx, e.Name)
	if err != nil {
		return err
	}
	defer unlock()
	bad := s.checkDerived(e)
	if bad == nil {
		return nil
	}
	s.removeLeftovers(e)
	conv, ok := s.converters[e.Source.Converter]
	if !ok {
		return fmt.Errorf("model %s: no converter %q", e.Name, e.Source.Converter)
	}
	src, err := s.Entry(e.Source.From)
	if err != nil {
		return fmt.Errorf("model %s: %w", e.Name, err)
	}
	if err := s.ensure(ctx, src); err != nil {
		if errors.Is(err, ErrOffline) {
			return s.offlineError(e, fmt.Errorf("its source %s is not cached either", src.Name))
		}
		return fmt.Errorf("model %s: source: %w", e.Name, err)
	}
	srcPath := filepath.Join(s.EntryDir(src), filepath.FromSlash(src.Main))
	dst := filepath.Join(s.EntryDir(e), filepath.FromSlash(e.Files[0].Name))
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		return err
	}
	for attempt := 1; ; attempt++ {
		s.log.Info("converting", "model", e.Name, "from", src.Name, "converter", conv.Version, "reason", bad.Error())
		start := time.Now()
		if err := conv.Convert(srcPath, dst); err != nil {
			return fmt.Errorf("model %s: convert %s: %w", e.Name, src.Name, err)
		}
		if err := s.writeSidecar(e, src, conv, dst); err != nil {
			return fmt.Errorf("model %s: %w", e.Name, err)
		}
		if bad = s.checkDerived(e); bad == nil {
			s.log.Info("converted", "model", e.Name, "path", dst, "seconds", time.Since(start).Seconds())
			return nil
		}
		if attempt == 2 {
			return fmt.Errorf("model %s: %w", e.Name, bad)
		}
	}
}

func (s *Store) writeSidecar(e, src Entry, conv Converter, dst string) error {
	sum, size, err := fileSHA256(dst)
	if err != nil {
		return err
	}
	sc := Sidecar{
		File: filepath.ToSlash(e.Files[0].Name), SHA256: sum, Size: size,
		Converter: e.Source.Converter, ConverterVersion: conv.Version,
		Source: src.Name + "@" + src.Version, Created: time.Now().UTC().Format(time.RFC3339),
	}
	sc.Check = sc.checksum()
	data, err := json.MarshalIndent(sc, "", "  ")
	if err != nil {
		return err
	}
	return writeAtomic(sidecarPath(dst), bytes.NewReader(append(data, '\n')), "", 0)
}
