package shm

import (
	"errors"
	"fmt"
	"image"
	"log/slog"
	"os"
	"sync"
	"sync/atomic"
	"time"
)

// WriterConfig configures a Writer.
type WriterConfig struct {
	Name   string       // segment name, [A-Za-z0-9._-]{1,64}
	Slots  int          // ring size; 0 means DefaultSlots
	Logger *slog.Logger // nil means slog.Default()
}

// Writer publishes frames into a named segment. It never waits for readers: each
// frame goes to the next slot of the ring under that slot's sequence lock.
// A frame of a new size starts a new generation (a new segment renamed over the old).
type Writer struct {
	cfg WriterConfig
	log *slog.Logger

	mu      sync.Mutex
	seg     *segment
	gen     uint64 // generation of the next segment to create
	counter uint64 // frames published, across generations
	closed  bool
}

// NewWriter validates the name and claims the segment: a segment left by a writer
// whose process is gone is taken over; one whose writer still runs is ErrInUse.
// The segment itself is created with the first frame (its size is not known before).
func NewWriter(cfg WriterConfig) (*Writer, error) {
	if err := CheckName(cfg.Name); err != nil {
		return nil, err
	}
	if cfg.Slots == 0 {
		cfg.Slots = DefaultSlots
	}
	if cfg.Slots < 1 || cfg.Slots > 64 {
		return nil, fmt.Errorf("shm: %d slots (want 1-64)", cfg.Slots)
	}
	if !mmapSupported {
		return nil, ErrUnsupported
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	w := &Writer{cfg: cfg, log: cfg.Logger.With("component", "shm-out", "name", cfg.Name), gen: 1}
	if err := w.claim(); err != nil {
		return nil, err
	}
	return w, nil
}

// claim checks an existing segment of this name and marks it superseded if stale.
func (w *Writer) claim() error {
	old, err := openSegment(Path(w.cfg.Name), true)
	if errors.Is(err, ErrNotFound) {
		return nil
	}
	if err != nil {
		if errors.Is(err, ErrUnsupported) {
			return err
		}
		// Unreadable leftovers (e.g. a truncated file) are replaced.
		w.log.Warn("replacing unreadable segment", "err", err)
		return nil
	}
	defer old.close()
	pid := int(old.hdr.PID)
	if old.state() == StateLive && pidAlive(pid) {
		return fmt.Errorf("%w: %s (pid %d)", ErrInUse, w.cfg.Name, pid)
	}
	if old.state() == StateLive {
		w.log.Info("taking over segment of a writer that is gone", "pid", pid)
	}
	atomic.StoreUint32(old.u32(offState), StateSuperseded)
	w.gen = old.hdr.Generation + 1
	w.counter = atomic.LoadUint64(old.u64(offCounter))
	return nil
}

// Name returns the segment name.
func (w *Writer) Name() string { return w.cfg.Name }

// Frames returns how many frames were published.
func (w *Writer) Frames() uint64 {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.counter
}

// WriteImage publishes img (any stride) captured at ts.
func (w *Writer) WriteImage(img *image.RGBA, ts time.Time) error {
	r := img.Rect
	off := img.PixOffset(r.Min.X, r.Min.Y)
	return w.Write(img.Pix[off:], r.Dx(), r.Dy(), img.Stride, ts)
}

// Write publishes one RGBA8 frame of width×height whose rows are stride bytes apart in pix.
func (w *Writer) Write(pix []byte, width, height, stride int, ts time.Time) error {
	if width <= 0 || height <= 0 || width > 16384 || height > 16384 || stride < 4*width ||
		len(pix) < stride*(height-1)+4*width {
		return fmt.Errorf("%w: %dx%d stride %d with %d bytes", ErrBadFrame, width, height, stride, len(pix))
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.closed {
		return ErrClosed
	}
	if w.seg == nil || int(w.seg.hdr.Width) != width || int(w.seg.hdr.Height) != height {
		if err := w.newGeneration(width, height); err != nil {
			return err
		}
	}
	s := w.seg
	c := w.counter + 1
	base := s.slot((c - 1) % uint64(s.hdr.Slots))
	seq := s.u64(base + slotSeq)
	atomic.AddUint64(seq, 1) // odd: writing (a full barrier: pixel stores stay after it)
	atomic.StoreUint64(s.u64(base+slotFrame), c)
	atomic.StoreUint64(s.u64(base+slotTimestamp), uint64(ts.UnixNano()))
	dst := s.data[base+SlotHeaderLen:]
	rowBytes := 4 * width
	if stride == rowBytes && int(s.hdr.Stride) == rowBytes {
		copy(dst[:rowBytes*height], pix)
	} else {
		for y := 0; y < height; y++ {
			copy(dst[y*int(s.hdr.Stride):y*int(s.hdr.Stride)+rowBytes], pix[y*stride:])
		}
	}
	atomic.AddUint64(seq, 1) // even: complete (release: pixels visible before it)
	atomic.StoreUint64(s.u64(offTimestamp), uint64(ts.UnixNano()))
	atomic.StoreUint64(s.u64(offCounter), c)
	w.counter = c
	return nil
}

// newGeneration replaces the current segment with one sized for width×height.
func (w *Writer) newGeneration(width, height int) error {
	hdr := NewHeader(width, height, w.cfg.Slots, w.gen, os.Getpid())
	seg, err := createSegment(Path(w.cfg.Name), hdr, w.counter)
	if err != nil {
		return err
	}
	if w.seg != nil {
		atomic.StoreUint32(w.seg.u32(offState), StateSuperseded)
		w.seg.close()
	}
	w.log.Info("segment ready", "path", seg.path, "width", width, "height", height,
		"slots", w.cfg.Slots, "generation", w.gen)
	w.seg = seg
	w.gen++
	return nil
}

// Close marks the segment closed for readers and removes it (if no newer writer
// replaced it). Readers that still map it keep their copy until they close.
func (w *Writer) Close() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.closed {
		return nil
	}
	w.closed = true
	if w.seg == nil {
		return nil
	}
	s := w.seg
	w.seg = nil
	atomic.StoreUint32(s.u32(offState), StateClosed)
	var err error
	if s.ownsPath() {
		if rerr := os.Remove(s.path); rerr != nil {
			err = fmt.Errorf("shm: remove %s: %w", s.path, rerr)
		}
	}
	return errors.Join(err, s.close())
}
