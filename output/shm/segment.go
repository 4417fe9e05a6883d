package shm

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strconv"
	"sync/atomic"
	"unsafe"
)

// segment is one mapped generation of a named segment.
type segment struct {
	path string
	f    *os.File
	data []byte
	hdr  Header
}

// u64 returns the 8-byte aligned word at off for sync/atomic (mmap is page aligned).
func (s *segment) u64(off int) *uint64 { return (*uint64)(unsafe.Pointer(&s.data[off])) }

func (s *segment) u32(off int) *uint32 { return (*uint32)(unsafe.Pointer(&s.data[off])) }

func (s *segment) state() uint32 { return atomic.LoadUint32(s.u32(offState)) }

func (s *segment) slot(i uint64) int { return int(s.hdr.HeaderSize) + int(i)*int(s.hdr.SlotSize) }

func (s *segment) close() error {
	var err error
	if s.data != nil {
		err = munmap(s.data)
		s.data = nil
	}
	if s.f != nil {
		err = errors.Join(err, s.f.Close())
		s.f = nil
	}
	return err
}

// openSegment maps an existing segment file and validates its header.
func openSegment(path string, write bool) (*segment, error) {
	flag := os.O_RDONLY
	if write {
		flag = os.O_RDWR
	}
	f, err := os.OpenFile(path, flag, 0)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("%w: %s", ErrNotFound, path)
	}
	if err != nil {
		return nil, fmt.Errorf("shm: open %s: %w", path, err)
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("shm: stat %s: %w", path, err)
	}
	if st.Size() < HeaderSize {
		f.Close()
		return nil, fmt.Errorf("%w: %s is %d bytes", ErrBadHeader, path, st.Size())
	}
	data, err := mmapFile(f, int(st.Size()), write)
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("shm: map %s: %w", path, err)
	}
	s := &segment{path: path, f: f, data: data}
	if s.hdr, err = DecodeHeader(data, len(data)); err != nil {
		s.close()
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return s, nil
}

// createSegment builds a complete segment under a temporary name and renames it over
// path, so a reader opening path sees either the old generation or the whole new one.
func createSegment(path string, hdr Header, counter uint64) (*segment, error) {
	tmp := path + ".tmp" + strconv.Itoa(os.Getpid())
	f, err := os.OpenFile(tmp, os.O_RDWR|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		return nil, fmt.Errorf("shm: create %s: %w", tmp, err)
	}
	fail := func(err error) (*segment, error) {
		f.Close()
		os.Remove(tmp)
		return nil, err
	}
	if err := f.Truncate(int64(hdr.TotalSize())); err != nil {
		return fail(fmt.Errorf("shm: size %s: %w", tmp, err))
	}
	data, err := mmapFile(f, hdr.TotalSize(), true)
	if err != nil {
		return fail(fmt.Errorf("shm: map %s: %w", tmp, err))
	}
	s := &segment{path: path, f: f, data: data, hdr: hdr}
	hdr.Encode(data)
	atomic.StoreUint64(s.u64(offCounter), counter)
	atomic.StoreUint32(s.u32(offState), StateLive)
	if err := os.Rename(tmp, path); err != nil {
		munmap(data)
		return fail(fmt.Errorf("shm: publish %s: %w", path, err))
	}
	return s, nil
}

// ownsPath reports whether path still names this segment's file (not a newer one).
func (s *segment) ownsPath() bool {
	a, err := os.Stat(s.path)
	if err != nil {
		return false
	}
	b, err := s.f.Stat()
	return err == nil && os.SameFile(a, b)
}
