package tfjs

import (
	"encoding/binary"
	"fmt"
	"math"
	"path"
)

// weightGroup is one weightsManifest entry: shards concatenated in order hold its weights back to back.
type weightGroup struct {
	Paths   []string      `json:"paths"`
	Weights []weightEntry `json:"weights"`
}

// weightEntry describes one named constant in a weight group.
type weightEntry struct {
	Name         string    `json:"name"`
	Shape        []flexInt `json:"shape"`
	Dtype        string    `json:"dtype"`
	Quantization *struct {
		Dtype string    `json:"dtype"`
		Scale flexFloat `json:"scale"`
		Min   flexFloat `json:"min"`
	} `json:"quantization"`
}

// WeightsReader returns the bytes of one weight shard, by its manifest path (relative to model.json).
type WeightsReader func(path string) ([]byte, error)

// loadWeights reads every shard and decodes every weight (dequantising float16/uint8/uint16) by name.
func loadWeights(groups []weightGroup, read WeightsReader) (map[string]*tensor, error) {
	out := map[string]*tensor{}
	for gi, g := range groups {
		var buf []byte
		for _, p := range g.Paths {
			if !path.IsAbs(p) && !containsDotDot(p) && p != "" {
				b, err := read(p)
				if err != nil {
					return nil, fmt.Errorf("%w: shard %q: %w", ErrBadWeights, p, err)
				}
				buf = append(buf, b...)
				continue
			}
			return nil, fmt.Errorf("%w: shard path %q escapes the model directory", ErrBadWeights, p)
		}
		off := 0
		for _, w := range g.Weights {
			t, n, err := decodeWeight(w, buf[off:])
			if err != nil {
				return nil, fmt.Errorf("%w: group %d weight %q: %w", ErrBadWeights, gi, w.Name, err)
			}
			off += n
			out[w.Name] = t
		}
	}
	return out, nil
}

func containsDotDot(p string) bool {
	for _, part := range splitPath(p) {
		if part == ".." {
			return true
		}
	}
	return false
}

func splitPath(p string) []string {
	var parts []string
	start := 0
	for i := 0; i <= len(p); i++ {
		if i == len(p) || p[i] == '/' || p[i] == '\\' {
			parts = append(parts, p[start:i])
			start = i + 1
		}
	}
	return parts
}

// decodeWeight decodes one weight from the front of buf and reports how many bytes it used.
func decodeWeight(w weightEntry, buf []byte) (*tensor, int, error) {
	shape := make([]int64, len(w.Shape))
	for i, d := range w.Shape {
		shape[i] = int64(d)
	}
	n64, err := numElements(shape)
	if err != nil {
		return nil, 0, err
	}
	n := int(n64)
	dt, err := dtypeFromTF(w.Dtype)
	if err != nil {
		return nil, 0, err
	}
	t := &tensor{dtype: dt, shape: shape}
	if q := w.Quantization; q != nil {
		var size int
		switch q.Dtype {
		case "float16", "uint16":
			size = 2
		case "uint8":
			size = 1
		default:
			return nil, 0, fmt.Errorf("quantization dtype %q not supported", q.Dtype)
		}
		if len(buf) < n*size {
			return nil, 0, fmt.Errorf("needs %d bytes, shard has %d left", n*size, len(buf))
		}
		vals := make([]float64, n)
		for k := range n {
			switch q.Dtype {
			case "float16":
				vals[k] = float64(halfToFloat(binary.LittleEndian.Uint16(buf[2*k:])))
			case "uint16":
				vals[k] = float64(binary.LittleEndian.Uint16(buf[2*k:]))*float64(q.Scale) + float64(q.Min)
			case "uint8":
				vals[k] = float64(buf[k])*float64(q.Scale) + float64(q.Min)
			}
		}
		switch dt {
		case dtFloat:
			t.f = make([]float32, n)
			for k, v := range vals {
				t.f[k] = float32(v)
			}
		case dtInt32, dtInt64:
			t.i = make([]int64, n)
			for k, v := range vals {
				t.i[k] = int64(math.Round(v))
			}
		default:
			return nil, 0, fmt.Errorf("quantized dtype %s not supported", w.Dtype)
		}
		return t, n * size, nil
	}
	size := 4
	switch dt {
	case dtBool:
		size = 1
	case dtInt64:
		size = 8
	}
	if len(buf) < n*size {
		return nil, 0, fmt.Errorf("needs %d bytes, shard has %d left", n*size, len(buf))
	}
	switch dt {
	case dtFloat:
		t.f = make([]float32, n)
		for k := range n {
			t.f[k] = math.Float32frombits(binary.LittleEndian.Uint32(buf[4*k:]))
		}
	case dtInt32:
		t.i = make([]int64, n)
		for k := range n {
			t.i[k] = int64(int32(binary.LittleEndian.Uint32(buf[4*k:])))
		}
	case dtInt64:
		t.i = make([]int64, n)
		for k := range n {
			t.i[k] = int64(binary.LittleEndian.Uint64(buf[8*k:]))
		}
	case dtBool:
		t.b = make([]bool, n)
		for k := range n {
			t.b[k] = buf[k] != 0
		}
	}
	return t, n * size, nil
}
