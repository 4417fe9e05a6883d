// Package npy reads NumPy .npy files of little-endian float32 (what the golden scripts
// write), for the tests that compare the engine with diffusers and torch.
package npy

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"os"
	"regexp"
	"strconv"
	"strings"
)

// ErrFormat means the file is not a C-ordered little-endian float32 .npy.
var ErrFormat = errors.New("npy: unsupported file")

var (
	descrRe = regexp.MustCompile(`'descr':\s*'([^']*)'`)
	orderRe = regexp.MustCompile(`'fortran_order':\s*(True|False)`)
	shapeRe = regexp.MustCompile(`'shape':\s*\(([^)]*)\)`)
)

// Read returns the shape and values of a float32 .npy file.
func Read(path string) ([]int, []float32, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, nil, err
	}
	shape, vals, err := Parse(data)
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %w", path, err)
	}
	return shape, vals, nil
}

// Parse decodes a float32 .npy held in memory.
func Parse(data []byte) ([]int, []float32, error) {
	if len(data) < 10 || string(data[:6]) != "\x93NUMPY" {
		return nil, nil, fmt.Errorf("%w: no .npy magic", ErrFormat)
	}
	var hlen, off int
	switch data[6] {
	case 1:
		hlen, off = int(binary.LittleEndian.Uint16(data[8:10])), 10
	case 2, 3:
		if len(data) < 12 {
			return nil, nil, fmt.Errorf("%w: short header", ErrFormat)
		}
		hlen, off = int(binary.LittleEndian.Uint32(data[8:12])), 12
	default:
		return nil, nil, fmt.Errorf("%w: version %d", ErrFormat, data[6])
	}
	if off+hlen > len(data) {
		return nil, nil, fmt.Errorf("%w: header of %d bytes past the end", ErrFormat, hlen)
	}
	h := string(data[off : off+hlen])
	d, o, s := descrRe.FindStringSubmatch(h), orderRe.FindStringSubmatch(h), shapeRe.FindStringSubmatch(h)
	if d == nil || o == nil || s == nil {
		return nil, nil, fmt.Errorf("%w: header %q", ErrFormat, h)
	}
	if d[1] != "<f4" || o[1] != "False" {
		return nil, nil, fmt.Errorf("%w: descr %s, fortran_order %s (want <f4, False)", ErrFormat, d[1], o[1])
	}
	shape := []int{}
	n := 1
	for _, f := range strings.Split(s[1], ",") {
		if f = strings.TrimSpace(f); f == "" {
			continue
		}
		v, err := strconv.Atoi(f)
		if err != nil || v < 0 {
			return nil, nil, fmt.Errorf("%w: shape %q", ErrFormat, s[1])
		}
		shape = append(shape, v)
		n *= v
	}
	body := data[off+hlen:]
	if len(body) != 4*n {
		return nil, nil, fmt.Errorf("%w: %d data bytes for shape %v", ErrFormat, len(body), shape)
	}
	vals := make([]float32, n)
	for i := range vals {
		vals[i] = math.Float32frombits(binary.LittleEndian.Uint32(body[4*i:]))
	}
	return shape, vals, nil
}
