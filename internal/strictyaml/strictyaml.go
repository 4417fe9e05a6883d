// Package strictyaml is the one strict YAML decoder of the engine: the run config
// (internal/conf) and the mapping and presets files (mapping/) decode through it.
// Unknown keys are errors; every error carries the line and column the decoder
// reported (go.yaml.in/yaml/v4 LoadError marks, not parsed out of message text).
package strictyaml

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"go.yaml.in/yaml/v4"
)

// ErrInvalid is wrapped by every Error: the YAML could not be decoded into the target.
var ErrInvalid = errors.New("invalid yaml")

// Error is a decoding error at a position (line and column 1-based; 0 when unknown).
// More holds the decoder's further errors for the same document, in order.
type Error struct {
	Line, Column int
	Msg          string
	More         []*Error
}

// Error is "line L, column C: message", further errors joined with "; ".
func (e *Error) Error() string {
	parts := []string{e.one()}
	for _, m := range e.More {
		parts = append(parts, m.one())
	}
	return strings.Join(parts, "; ")
}

func (e *Error) one() string {
	switch {
	case e.Line > 0 && e.Column > 0:
		return fmt.Sprintf("line %d, column %d: %s", e.Line, e.Column, e.Msg)
	case e.Line > 0:
		return fmt.Sprintf("line %d: %s", e.Line, e.Msg)
	}
	return e.Msg
}

// Unwrap makes errors.Is(err, ErrInvalid) hold.
func (e *Error) Unwrap() error { return ErrInvalid }

// Decode decodes data into out, rejecting keys out's type does not have, and returns the
// document's node tree (for positions of values checked later). Empty input (only
// whitespace and comments) leaves out as it is and returns an empty tree.
func Decode(data []byte, out any) (*yaml.Node, error) {
	if !utf8.Valid(data) {
		return nil, invalidUTF8(data)
	}
	var root yaml.Node
	if len(bytes.TrimSpace(data)) == 0 {
		return &root, nil
	}
	if err := load(data, &root); err != nil {
		return nil, positioned(err)
	}
	if root.Kind == 0 { // comments only
		return &root, nil
	}
	if err := load(data, out, yaml.WithKnownFields(true)); err != nil {
		return nil, positioned(err)
	}
	return &root, nil
}

// load decodes the first document of data into v; no document at all is not an error.
func load(data []byte, v any, opts ...yaml.Option) error {
	l, err := yaml.NewLoader(bytes.NewReader(data), opts...)
	if err != nil {
		return err
	}
	if err := l.Load(v); err != nil && !errors.Is(err, io.EOF) {
		return err
	}
	return nil
}

// Parse reads data into a node tree without decoding it (e.g. to edit a file and keep its comments).
func Parse(data []byte) (*yaml.Node, error) {
	if !utf8.Valid(data) {
		return nil, invalidUTF8(data)
	}
	var root yaml.Node
	if len(bytes.TrimSpace(data)) == 0 {
		return &root, nil
	}
	if err := load(data, &root); err != nil {
		return nil, positioned(err)
	}
	return &root, nil
}

// positioned turns the decoder's errors into an *Error from their marks.
func positioned(err error) error {
	var many *yaml.LoadErrors // first: it also answers errors.As for *LoadError, with its first error only
	if errors.As(err, &many) && len(many.Errors) > 0 {
		e := &Error{Line: many.Errors[0].Mark.Line, Column: many.Errors[0].Mark.Column, Msg: many.Errors[0].Message}
		for _, m := range many.Errors[1:] {
			e.More = append(e.More, &Error{Line: m.Mark.Line, Column: m.Mark.Column, Msg: m.Message})
		}
		return e
	}
	var one *yaml.LoadError
	if errors.As(err, &one) {
		return &Error{Line: one.Mark.Line, Column: one.Mark.Column, Msg: one.Message}
	}
	return &Error{Msg: err.Error()}
}

// invalidUTF8 reports the line:column of the first byte that is not UTF-8 (the YAML
// reader reports it without a position).
func invalidUTF8(data []byte) error {
	line, col := 1, 1
	for len(data) > 0 {
		r, n := utf8.DecodeRune(data)
		if r == utf8.RuneError && n <= 1 {
			return &Error{Line: line, Column: col, Msg: fmt.Sprintf("invalid UTF-8 byte 0x%02x", data[0])}
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
