package mapping

import (
	"errors"
	"fmt"
	"io"
	"os"

	"go.yaml.in/yaml/v4"

	"github.com/vivid-ml/vivid-ml-engine/internal/strictyaml"
)

// MaxFileSize bounds mapping and presets files; bigger files are rejected, not read.
const MaxFileSize = 1 << 20

// PosError is a file error with the position it was found at (line and column 1-based, 0 unknown).
type PosError struct {
	File         string
	Line, Column int
	Msg          string
	Err          error // sentinel, for errors.Is
}

func (e *PosError) Error() string {
	switch {
	case e.Line > 0 && e.Column > 0:
		return fmt.Sprintf("%s:%d:%d: %s", e.File, e.Line, e.Column, e.Msg)
	case e.Line > 0:
		return fmt.Sprintf("%s:%d: %s", e.File, e.Line, e.Msg)
	}
	return fmt.Sprintf("%s: %s", e.File, e.Msg)
}

func (e *PosError) Unwrap() error { return e.Err }

// ReadFile reads a file of at most MaxFileSize bytes.
func ReadFile(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, MaxFileSize+1))
	if err != nil {
		return nil, err
	}
	if len(b) > MaxFileSize {
		return nil, &PosError{File: path, Msg: fmt.Sprintf("file larger than %d bytes", MaxFileSize), Err: ErrInvalid}
	}
	return b, nil
}

// decodeStrict decodes YAML into out with the engine's strict decoder (unknown keys are
// errors) and turns its errors into PosErrors with line:column.
func decodeStrict(file string, data []byte, out any) (*yaml.Node, error) {
	root, err := strictyaml.Decode(data, out)
	if err != nil {
		return nil, yamlPosError(file, err)
	}
	return root, nil
}

// yamlPosError is a strictyaml error as a PosError of file (its first error: the one to fix first).
func yamlPosError(file string, err error) error {
	var se *strictyaml.Error
	if errors.As(err, &se) {
		return &PosError{File: file, Line: se.Line, Column: se.Column, Msg: se.Msg, Err: ErrInvalid}
	}
	return &PosError{File: file, Msg: err.Error(), Err: ErrInvalid}
}

// child returns the value node of key in mapping node n, or nil.
func child(n *yaml.Node, key string) *yaml.Node {
	for n != nil && n.Kind == yaml.DocumentNode && len(n.Content) > 0 {
		n = n.Content[0]
	}
	if n == nil || n.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == key {
			return n.Content[i+1]
		}
	}
	return nil
}

// item returns element i of sequence node n, or nil.
func item(n *yaml.Node, i int) *yaml.Node {
	if n == nil || n.Kind != yaml.SequenceNode || i >= len(n.Content) {
		return nil
	}
	return n.Content[i]
}

// posErr builds a PosError at node n (or at its key's value when key is set).
func posErr(file string, n *yaml.Node, key, format string, args ...any) error {
	if key != "" {
		if c := child(n, key); c != nil {
			n = c
		}
	}
	e := &PosError{File: file, Msg: fmt.Sprintf(format, args...), Err: ErrInvalid}
	if n != nil {
		e.Line, e.Column = n.Line, n.Column
	}
	return e
}
