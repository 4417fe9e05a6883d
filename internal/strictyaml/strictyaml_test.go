package strictyaml

import (
	"errors"
	"testing"
)

type doc struct {
	A int   `yaml:"a"`
	B inner `yaml:"b"`
}

type inner struct {
	C string `yaml:"c"`
}

func TestDecodeErrors(t *testing.T) {
	for _, c := range []struct {
		name, in, want string
		line, col      int
	}{
		{"unknown key", "a: 1\nb:\n  d: x\n", "line 3, column 3: field d not found in type strictyaml.inner", 3, 3},
		{"two errors", "a: x\nz: 1\n", "line 1, column 4: cannot construct !!str `x` into int; line 2, column 1: field z not found in type strictyaml.doc", 1, 4},
		{"syntax", "a: [1\n", "line 2, column 1: did not find expected ',' or ']'", 2, 1},
		{"utf8", "a: 1\nb: {c: \"x\xff\"}\n", "line 2, column 10: invalid UTF-8 byte 0xff", 2, 10},
	} {
		t.Run(c.name, func(t *testing.T) {
			var d doc
			_, err := Decode([]byte(c.in), &d)
			var se *Error
			if !errors.As(err, &se) || !errors.Is(err, ErrInvalid) || err.Error() != c.want || se.Line != c.line || se.Column != c.col {
				t.Fatalf("err = %v (%+v)\nwant  %s at %d:%d", err, se, c.want, c.line, c.col)
			}
		})
	}
}

func TestDecodeEmptyAndValid(t *testing.T) {
	d := doc{A: 7}
	for _, in := range []string{"", "  \n", "# only a comment\n"} {
		if _, err := Decode([]byte(in), &d); err != nil || d.A != 7 {
			t.Fatalf("%q: %v, a = %d", in, err, d.A)
		}
	}
	root, err := Decode([]byte("b: {c: hi}\n"), &d)
	if err != nil || d.A != 7 || d.B.C != "hi" || root == nil || len(root.Content) != 1 {
		t.Fatalf("err %v, doc %+v", err, d)
	}
}
