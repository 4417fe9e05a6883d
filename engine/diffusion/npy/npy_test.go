package npy

import (
	"encoding/binary"
	"errors"
	"math"
	"slices"
	"strings"
	"testing"
)

func file(header string, vals ...float32) []byte {
	h := header + strings.Repeat(" ", (64-(10+len(header)+1)%64)%64) + "\n"
	b := append([]byte("\x93NUMPY\x01\x00"), byte(len(h)), byte(len(h)>>8))
	b = append(b, h...)
	for _, v := range vals {
		b = binary.LittleEndian.AppendUint32(b, math.Float32bits(v))
	}
	return b
}

func TestParse(t *testing.T) {
	tests := []struct {
		name  string
		data  []byte
		shape []int
		vals  []float32
		err   string
	}{
		{"2x2", file("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 2), }", 1, 2, 3, -4), []int{2, 2}, []float32{1, 2, 3, -4}, ""},
		{"1d", file("{'descr': '<f4', 'fortran_order': False, 'shape': (3,), }", 0.5, 1.5, 2.5), []int{3}, []float32{0.5, 1.5, 2.5}, ""},
		{"scalar", file("{'descr': '<f4', 'fortran_order': False, 'shape': (), }", 7), []int{}, []float32{7}, ""},
		{"float64", file("{'descr': '<f8', 'fortran_order': False, 'shape': (1,), }", 1, 2), nil, nil,
			"npy: unsupported file: descr <f8, fortran_order False (want <f4, False)"},
		{"short", file("{'descr': '<f4', 'fortran_order': False, 'shape': (3,), }", 1), nil, nil,
			"npy: unsupported file: 4 data bytes for shape [3]"},
		{"magic", []byte("PK\x03\x04 not npy"), nil, nil, "npy: unsupported file: no .npy magic"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			shape, vals, err := Parse(tt.data)
			if tt.err != "" {
				if err == nil || err.Error() != tt.err || !errors.Is(err, ErrFormat) {
					t.Fatalf("error %v, want %q", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(shape, tt.shape) || !slices.Equal(vals, tt.vals) {
				t.Fatalf("got %v %v, want %v %v", shape, vals, tt.shape, tt.vals)
			}
		})
	}
}

func FuzzParse(f *testing.F) {
	f.Add(file("{'descr': '<f4', 'fortran_order': False, 'shape': (2,), }", 1, 2))
	f.Add([]byte("\x93NUMPY\x02\x00\xff\xff\xff\x7f"))
	f.Fuzz(func(t *testing.T, data []byte) {
		shape, vals, err := Parse(data)
		if err != nil {
			return
		}
		n := 1
		for _, d := range shape {
			n *= d
		}
		if n != len(vals) {
			t.Fatalf("shape %v for %d values", shape, len(vals))
		}
	})
}
