package shm

import (
	"context"
	"errors"
	"fmt"
	"image"
	"os"
	"runtime"
	"sync/atomic"
	"time"
)

// FrameInfo describes a frame a Reader copied out.
type FrameInfo struct {
	Width, Height, Stride int
	Frame                 uint64    // the writer's frame number (1, 2, …; continues across generations)
	Timestamp             time.Time // capture time the writer recorded
	Generation            uint64
}

// Reader copies frames out of a named segment. It maps the segment read-only and
// reopens it by name when the writer starts a new generation (resize or restart).
// A Reader is not safe for concurrent use.
type Reader struct {
	name  string
	seg   *segment
	last  uint64 // frame number returned last by Next
	fence uint64 // target of the atomic RMW used as a full memory barrier
}

// readAttempts bounds the retries when the writer laps the ring during a copy.
const readAttempts = 100

// OpenReader maps segment name; ErrNotFound when no writer created it yet.
func OpenReader(name string) (*Reader, error) {
	if err := CheckName(name); err != nil {
		return nil, err
	}
	seg, err := openSegment(Path(name), false)
	if err != nil {
		return nil, err
	}
	return &Reader{name: name, seg: seg}, nil
}

// Header returns the header of the generation currently mapped.
func (r *Reader) Header() Header { return r.seg.hdr }

// reopen switches to the segment now at the name if it is a different one.
func (r *Reader) reopen() error {
	seg, err := openSegment(Path(r.name), false)
	if err != nil {
		return err
	}
	a, _ := seg.f.Stat()
	b, _ := r.seg.f.Stat()
	if a != nil && b != nil && (os.SameFile(a, b)) {
		seg.close()
		return ErrWriterGone
	}
	r.seg.close()
	r.seg = seg
	return nil
}

// ReadFrame copies the newest complete frame into dst (grown when too small) and
// returns the slice holding it (Stride×Height bytes) and its description.
func (r *Reader) ReadFrame(dst []byte) ([]byte, FrameInfo, error) {
	if r.seg == nil {
		return dst, FrameInfo{}, ErrClosed
	}
	if st := r.seg.state(); st != StateLive {
		if err := r.reopen(); err != nil {
			if errors.Is(err, ErrNotFound) || st == StateClosed {
				return dst, FrameInfo{}, fmt.Errorf("%w: %s", ErrWriterGone, r.name)
			}
			return dst, FrameInfo{}, err
		}
	}
	s := r.seg
	n := s.hdr.FrameBytes()
	if cap(dst) < n {
		dst = make([]byte, n)
	}
	dst = dst[:n]
	for i := 0; i < readAttempts; i++ {
		c := atomic.LoadUint64(s.u64(offCounter))
		if c == 0 {
			return dst, FrameInfo{}, ErrNoFrame
		}
		base := s.slot((c - 1) % uint64(s.hdr.Slots))
		seq := s.u64(base + slotSeq)
		s1 := atomic.LoadUint64(seq)
		if s1&1 == 1 {
			runtime.Gosched()
			continue
		}
		fn := atomic.LoadUint64(s.u64(base + slotFrame))
		ts := atomic.LoadUint64(s.u64(base + slotTimestamp))
		if fn == 0 {
			// A new generation is published before its first frame: its slots are empty.
			return dst, FrameInfo{}, ErrNoFrame
		}
		copy(dst, s.data[base+SlotHeaderLen:base+SlotHeaderLen+n])
		atomic.AddUint64(&r.fence, 1) // full barrier: the copy's loads complete before the re-check
		if atomic.LoadUint64(seq) != s1 {
			continue
		}
		return dst, FrameInfo{
			Width: int(s.hdr.Width), Height: int(s.hdr.Height), Stride: int(s.hdr.Stride),
			Frame: fn, Timestamp: time.Unix(0, int64(ts)), Generation: s.hdr.Generation,
		}, nil
	}
	return dst, FrameInfo{}, ErrContended
}

// Next waits (polling every poll) for a frame newer than the last one Next returned
// and copies it into dst. It keeps waiting through ErrNoFrame, ErrContended and a
// writer restart; ctx ends the wait.
func (r *Reader) Next(ctx context.Context, dst []byte, poll time.Duration) ([]byte, FrameInfo, error) {
	if poll <= 0 {
		poll = time.Millisecond
	}
	for {
		if r.seg != nil && r.seg.state() == StateLive &&
			atomic.LoadUint64(r.seg.u64(offCounter)) == r.last && r.last != 0 {
			// nothing new: wait
		} else {
			var info FrameInfo
			var err error
			dst, info, err = r.ReadFrame(dst)
			switch {
			case err == nil && info.Frame != r.last:
				r.last = info.Frame
				return dst, info, nil
			case err == nil, errors.Is(err, ErrNoFrame), errors.Is(err, ErrContended),
				errors.Is(err, ErrWriterGone), errors.Is(err, ErrNotFound):
			default:
				return dst, FrameInfo{}, err
			}
		}
		select {
		case <-ctx.Done():
			return dst, FrameInfo{}, ctx.Err()
		case <-time.After(poll):
		}
	}
}

// Image converts a frame from ReadFrame into a tightly packed *image.RGBA (copying).
func Image(pix []byte, info FrameInfo) *image.RGBA {
	img := image.NewRGBA(image.Rect(0, 0, info.Width, info.Height))
	for y := 0; y < info.Height; y++ {
		copy(img.Pix[y*img.Stride:(y+1)*img.Stride], pix[y*info.Stride:])
	}
	return img
}

// Close unmaps the segment.
func (r *Reader) Close() error {
	if r.seg == nil {
		return nil
	}
	err := r.seg.close()
	r.seg = nil
	return err
}
