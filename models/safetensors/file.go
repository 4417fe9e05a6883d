package safetensors

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"os"

	"github.com/vivid-ml/vivid-ml-engine/engine/convert"
)

// File is an open safetensors file. Its methods are safe for concurrent use.
type File struct {
	Header
	path    string
	byName  map[string]int
	dataOff int64  // where the data section starts in the file
	data    []byte // the mapped data section, nil when reading with ReadAt
	ra      io.ReaderAt
	close   func() error
}

// Open reads and checks the header of path and maps its data.
func Open(path string) (*File, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("safetensors: %w", err)
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("safetensors: %w", err)
	}
	sf, err := open(f, st.Size())
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("%w (%s)", err, path)
	}
	sf.path = path
	data, unmap, err := mapFile(f, st.Size())
	if err == nil && data != nil {
		sf.data = data[sf.dataOff:]
		sf.close = func() error { return errors.Join(unmap(), f.Close()) }
	} else {
		sf.ra = f
		sf.close = f.Close
	}
	return sf, nil
}

// open parses the header of a size-byte file read through ra.
func open(ra io.ReaderAt, size int64) (*File, error) {
	var lenBuf [8]byte
	if size < 8 {
		return nil, fmt.Errorf("%w: %d bytes, shorter than the 8-byte header length", ErrFormat, size)
	}
	if _, err := ra.ReadAt(lenBuf[:], 0); err != nil {
		return nil, fmt.Errorf("safetensors: reading header length: %w", err)
	}
	n := binary.LittleEndian.Uint64(lenBuf[:])
	if n > MaxHeaderSize {
		return nil, fmt.Errorf("%w: header length %d exceeds %d", ErrFormat, n, MaxHeaderSize)
	}
	if int64(n) > size-8 {
		return nil, fmt.Errorf("%w: header length %d but only %d bytes follow", ErrFormat, n, size-8)
	}
	js := make([]byte, n)
	if _, err := ra.ReadAt(js, 8); err != nil {
		return nil, fmt.Errorf("safetensors: reading header: %w", err)
	}
	dataOff := 8 + int64(n)
	h, err := ParseHeader(js, size-dataOff)
	if err != nil {
		return nil, err
	}
	sf := &File{Header: *h, dataOff: dataOff, ra: ra, byName: make(map[string]int, len(h.Tensors))}
	for i, t := range h.Tensors {
		sf.byName[t.Name] = i
	}
	return sf, nil
}

// Path is the file's path.
func (f *File) Path() string { return f.path }

// Close unmaps and closes the file; tensors returned by Bytes are invalid afterwards.
func (f *File) Close() error {
	if f.close == nil {
		return nil
	}
	err := f.close()
	f.close, f.data = nil, nil
	return err
}

// Info returns the named tensor's description.
func (f *File) Info(name string) (Info, bool) {
	i, ok := f.byName[name]
	if !ok {
		return Info{}, false
	}
	return f.Tensors[i], true
}

// Bytes returns the raw little-endian bytes of a tensor: a view into the mapping
// (do not modify it) or, without a mapping, a fresh copy.
func (f *File) Bytes(name string) ([]byte, error) {
	t, ok := f.Info(name)
	if !ok {
		return nil, fmt.Errorf("%w: %q", ErrNotFound, name)
	}
	if f.data != nil {
		return f.data[t.Begin:t.End:t.End], nil
	}
	if f.ra == nil {
		return nil, fmt.Errorf("safetensors: %s is closed", f.path)
	}
	b := make([]byte, t.End-t.Begin)
	if len(b) == 0 {
		return b, nil
	}
	if _, err := f.ra.ReadAt(b, f.dataOff+t.Begin); err != nil {
		return nil, fmt.Errorf("safetensors: reading %q: %w", name, err)
	}
	return b, nil
}

// Float32 returns a tensor converted to float32 (F16 and BF16 exactly widened).
func (f *File) Float32(name string) ([]float32, error) {
	t, ok := f.Info(name)
	if !ok {
		return nil, fmt.Errorf("%w: %q", ErrNotFound, name)
	}
	if !t.DType.Float() {
		return nil, fmt.Errorf("%w: tensor %q is %s (readable: F16, BF16, F32)", ErrDType, name, t.DType)
	}
	b, err := f.Bytes(name)
	if err != nil {
		return nil, err
	}
	return Decode(t.DType, b)
}

// Decode converts little-endian F16, BF16 or F32 bytes to float32.
func Decode(d DType, b []byte) ([]float32, error) {
	size := d.Size()
	if !d.Float() {
		return nil, fmt.Errorf("%w: %s (readable: F16, BF16, F32)", ErrDType, d)
	}
	if int64(len(b))%size != 0 {
		return nil, fmt.Errorf("%w: %d bytes is not a whole number of %s values", ErrFormat, len(b), d)
	}
	out := make([]float32, int64(len(b))/size)
	for i := range out {
		switch d {
		case F32:
			out[i] = math.Float32frombits(binary.LittleEndian.Uint32(b[4*i:]))
		case F16:
			out[i] = convert.Float32From16(binary.LittleEndian.Uint16(b[2*i:]))
		case BF16:
			out[i] = math.Float32frombits(uint32(binary.LittleEndian.Uint16(b[2*i:])) << 16)
		}
	}
	return out, nil
}
