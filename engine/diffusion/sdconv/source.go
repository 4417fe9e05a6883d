package sdconv

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/vivid-ml/vivid-ml-engine/models/safetensors"
)

// Source gives weights by diffusers name. Shape is cheap (header only); Float32 reads
// (and converts) the data.
type Source interface {
	Shape(name string) ([]int64, bool)
	Float32(name string) ([]float32, error)
	Names() []string
}

// Files is a Source over one or more safetensors files (a sharded checkpoint), each
// name looked up in the file that has it.
type Files struct {
	files []*safetensors.File
	by    map[string]*safetensors.File
}

// OpenFiles opens every path; a name present in two files is an error.
func OpenFiles(paths ...string) (*Files, error) {
	fs := &Files{by: map[string]*safetensors.File{}}
	for _, p := range paths {
		f, err := safetensors.Open(p)
		if err != nil {
			fs.Close()
			return nil, err
		}
		fs.files = append(fs.files, f)
		for _, t := range f.Tensors {
			if _, dup := fs.by[t.Name]; dup {
				fs.Close()
				return nil, fmt.Errorf("sdconv: tensor %q is in two files (%s)", t.Name, p)
			}
			fs.by[t.Name] = f
		}
	}
	return fs, nil
}

// Close closes every file.
func (s *Files) Close() error {
	var errs []error
	for _, f := range s.files {
		errs = append(errs, f.Close())
	}
	return errors.Join(errs...)
}

// Shape implements Source.
func (s *Files) Shape(name string) ([]int64, bool) {
	f, ok := s.by[name]
	if !ok {
		return nil, false
	}
	t, _ := f.Info(name)
	return t.Shape, true
}

// Float32 implements Source.
func (s *Files) Float32(name string) ([]float32, error) {
	f, ok := s.by[name]
	if !ok {
		return nil, fmt.Errorf("%w: no tensor %q", ErrWeights, name)
	}
	return f.Float32(name)
}

// Names implements Source (sorted).
func (s *Files) Names() []string {
	out := make([]string, 0, len(s.by))
	for n := range s.by {
		out = append(out, n)
	}
	slices.Sort(out)
	return out
}

// weightFiles finds a diffusers component's weights in dir: an index of shards
// (*.safetensors.index.json) or one file, preferring the fp32 name over .fp16.
func weightFiles(dir string) ([]string, error) {
	for _, base := range []string{"diffusion_pytorch_model", "model"} {
		for _, variant := range []string{"", ".fp16"} {
			idx := filepath.Join(dir, base+variant+".safetensors.index.json")
			if data, err := os.ReadFile(idx); err == nil {
				var ix struct {
					WeightMap map[string]string `json:"weight_map"`
				}
				if err := json.Unmarshal(data, &ix); err != nil {
					return nil, fmt.Errorf("sdconv: %s: %w", idx, err)
				}
				var files []string
				for _, f := range ix.WeightMap {
					p := filepath.Join(dir, filepath.Clean("/" + f)[1:])
					if !slices.Contains(files, p) {
						files = append(files, p)
					}
				}
				slices.Sort(files)
				return files, nil
			}
			p := filepath.Join(dir, base+variant+".safetensors")
			if _, err := os.Stat(p); err == nil {
				return []string{p}, nil
			} else if !errors.Is(err, fs.ErrNotExist) {
				return nil, fmt.Errorf("sdconv: %w", err)
			}
		}
	}
	return nil, fmt.Errorf("sdconv: no safetensors weights in %s (want diffusion_pytorch_model[.fp16].safetensors or model[.fp16].safetensors)", dir)
}

// prefixed is a view of a Source under a name prefix (single-file components).
type prefixed struct {
	Source
	prefix string
}

func (p prefixed) Shape(n string) ([]int64, bool)      { return p.Source.Shape(p.prefix + n) }
func (p prefixed) Float32(n string) ([]float32, error) { return p.Source.Float32(p.prefix + n) }
func (p prefixed) Names() []string {
	var out []string
	for _, n := range p.Source.Names() {
		if rest, ok := strings.CutPrefix(n, p.prefix); ok {
			out = append(out, rest)
		}
	}
	return out
}
