package mapping

import (
	"errors"
	"fmt"
	"io"
	"os"
	"unicode/utf8"

	"go.yaml.in/yaml/v4"
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

// decodeStrict decodes YAML into out, rejecting unknown keys, and turns the
// decoder's errors into PosErrors with line:column.
func decodeStrict(file string, data []byte, out any) (*yaml.Node, error) {
	if !utf8.Valid(data) {
		return nil, invalidUTF8(file, data)
	}
	var root yaml.Node
	if err := yaml.Load(data, &root); err != nil {
		return nil, yamlPosError(file, err)
	}
	if err := yaml.Load(data, out, yaml.WithKnownFields(true)); err != nil {
		return nil, yamlPosError(file, err)
	}
	return &root, nil
}

func yamlPosError(file string, err error) error {
	var le *yaml.LoadError
	if errors.As(err, &le) {
		return &PosError{File: file, Line: le.Mark.Line, Column: le.Mark.Column, Msg: le.Message, Err: ErrInvalid}
	}
	var les *yaml.LoadErrors
	if errors.As(err, &les) && len(les.Errors) > 0 {
		e := les.Errors[0]
		return &PosError{File: file, Line: e.Mark.Line, Column: e.Mark.Column, Msg: e.Message, Err: ErrInvalid}
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

// invalidUTF8 reports the line:column of the first byte that is not UTF-8
// (the YAML reader reports it without a position).
func invalidUTF8(file string, data []byte) error {
	line, col := 1, 1
	for len(data) > 0 {
		r, n := utf8.DecodeRune(data)
		if r == utf8.RuneError && n <= 1 {
			return &PosError{File: file, Line: line, Column: col, Msg: fmt.Sprintf("invalid UTF-8 byte 0x%02x", data[0]), Err: ErrInvalid}
		}
		if r == '\n' {
			line, col = line+1, 1
		} else {
			col++
		}
		data = data[n:]
	}
	return nil
}
