// Package record writes one picture stream to a video file through an ffmpeg
// subprocess (raw RGBA on its stdin), without ever blocking the frame loop.
package record

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/vivid-ml/vivid-ml-engine/engine"
)

// Config configures a Recorder.
type Config struct {
	Path   string  // output file, e.g. out.mp4 (the container follows the extension)
	Stream string  // which stream to record (engine.StreamDiffusion…)
	FPS    float64 // frame rate written into the file; 0 means 30
	FFmpeg string  // ffmpeg binary; "" means "ffmpeg" on PATH
	Codec  string  // "" picks libx264 when ffmpeg has it, else mpeg4
	Queue  int     // most frames buffered for ffmpeg; 0 means 120
	Budget int64   // most bytes of frames buffered; 0 means 128 MiB (≈ 16 frames of 1080p)
	Logger *slog.Logger
}

// Recorder is an engine.FrameSink that feeds one stream to ffmpeg. When ffmpeg falls
// behind, frames are dropped and counted; Close finalises the file.
type Recorder struct {
	cfg Config
	log *slog.Logger

	mu     sync.RWMutex // guards closed against WriteFrame sending on a closed channel
	closed bool
	frames chan *engine.Frame // in
	done   chan struct{}
	err    error // set by run before done closes

	written, dropped, sizeDrops atomic.Uint64
	queued                      atomic.Int64 // bytes of frames waiting in frames
}

// New finds ffmpeg and its encoder and starts the recorder; ffmpeg itself starts
// with the first frame (its size is not known before).
func New(cfg Config) (*Recorder, error) {
	if cfg.Path == "" {
		return nil, ErrNoPath
	}
	if cfg.FPS <= 0 {
		cfg.FPS = 30
	}
	if cfg.Queue <= 0 {
		cfg.Queue = 120
	}
	if cfg.Budget <= 0 {
		cfg.Budget = 128 << 20
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.FFmpeg == "" {
		cfg.FFmpeg = "ffmpeg"
	}
	bin, err := exec.LookPath(cfg.FFmpeg)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrNoFFmpeg, err)
	}
	cfg.FFmpeg = bin
	if cfg.Codec == "" {
		cfg.Codec = "mpeg4"
		out, err := exec.Command(bin, "-hide_banner", "-encoders").Output()
		if err == nil && bytes.Contains(out, []byte(" libx264 ")) {
			cfg.Codec = "libx264"
		}
	}
	r := &Recorder{cfg: cfg, log: cfg.Logger.With("component", "record", "path", cfg.Path, "stream", cfg.Stream),
		frames: make(chan *engine.Frame, cfg.Queue), done: make(chan struct{})}
	go r.run()
	return r, nil
}

// Codec returns the encoder in use.
func (r *Recorder) Codec() string { return r.cfg.Codec }

// WantsStream implements engine.StreamFilter: only the recorded stream.
func (r *Recorder) WantsStream(stream string) bool { return stream == r.cfg.Stream }

// WriteFrame implements engine.FrameSink: it queues the (immutable) frame or drops it.
func (r *Recorder) WriteFrame(stream string, f *engine.Frame) {
	if stream != r.cfg.Stream || f == nil || f.Image == nil {
		return
	}
	r.mu.RLock()
	defer r.mu.RUnlock()
	if r.closed {
		return
	}
	size := int64(len(f.Image.Pix))
	if q := r.queued.Add(size); q > r.cfg.Budget && q != size { // one frame always fits
		r.queued.Add(-size)
		r.drop()
		return
	}
	select {
	case r.frames <- f:
	default:
		r.queued.Add(-size)
		r.drop()
	}
}

// drop counts a frame ffmpeg had no room for (a warning every 100).
func (r *Recorder) drop() {
	if n := r.dropped.Add(1); n == 1 || n%100 == 0 {
		r.log.Warn("ffmpeg is slower than the frame loop: dropping frames", "dropped", n)
	}
}

// Stats returns frames written to ffmpeg, dropped because it was slow, and dropped
// because their size differed from the first frame's.
func (r *Recorder) Stats() (written, dropped, sizeDrops uint64) {
	return r.written.Load(), r.dropped.Load(), r.sizeDrops.Load()
}

// args is ffmpeg's command line for w×h RGBA input.
func (r *Recorder) args(w, h int) []string {
	a := []string{"-hide_banner", "-loglevel", "error", "-y",
		"-f", "rawvideo", "-pix_fmt", "rgba", "-s", strconv.Itoa(w) + "x" + strconv.Itoa(h),
		"-framerate", strconv.FormatFloat(r.cfg.FPS, 'f', -1, 64), "-i", "-",
		"-vf", "scale=trunc(iw/2)*2:trunc(ih/2)*2", "-pix_fmt", "yuv420p", "-c:v", r.cfg.Codec}
	switch r.cfg.Codec {
	case "libx264":
		a = append(a, "-preset", "veryfast", "-crf", "20")
	case "mpeg4":
		a = append(a, "-q:v", "3")
	}
	if strings.HasSuffix(strings.ToLower(r.cfg.Path), ".mp4") || strings.HasSuffix(strings.ToLower(r.cfg.Path), ".mov") {
		a = append(a, "-movflags", "+faststart")
	}
	return append(a, r.cfg.Path)
}

// run owns the ffmpeg process: started on the first frame, fed until Close.
func (r *Recorder) run() {
	defer close(r.done)
	var (
		cmd    *exec.Cmd
		stdin  io.WriteCloser
		stderr bytes.Buffer
		w, h   int
		failed error
		row    []byte
	)
	for f := range r.frames {
		r.queued.Add(-int64(len(f.Image.Pix)))
		if failed != nil {
			continue
		}
		fw, fh := f.Width(), f.Height()
		if cmd == nil {
			w, h = fw, fh
			cmd = exec.Command(r.cfg.FFmpeg, r.args(w, h)...)
			cmd.Stderr = &limitedWriter{b: &stderr, n: 8 << 10}
			var err error
			if stdin, err = cmd.StdinPipe(); err == nil {
				err = cmd.Start()
			}
			if err != nil {
				failed = fmt.Errorf("record: starting ffmpeg: %w", err)
				cmd = nil
				r.log.Error("recording failed", "err", failed)
				continue
			}
			r.log.Info("recording", "width", w, "height", h, "fps", r.cfg.FPS, "codec", r.cfg.Codec)
			row = make([]byte, 0, 4*w*h)
		}
		if fw != w || fh != h {
			if r.sizeDrops.Add(1) == 1 {
				r.log.Warn("frame size changed: recording keeps the first size and drops others",
					"first", fmt.Sprintf("%dx%d", w, h), "now", fmt.Sprintf("%dx%d", fw, fh))
			}
			continue
		}
		img := f.Image
		pix := img.Pix[img.PixOffset(img.Rect.Min.X, img.Rect.Min.Y):]
		if img.Stride != 4*w {
			row = row[:0]
			for y := 0; y < h; y++ {
				row = append(row, pix[y*img.Stride:y*img.Stride+4*w]...)
			}
			pix = row
		}
		if _, err := stdin.Write(pix[:4*w*h]); err != nil {
			failed = fmt.Errorf("record: ffmpeg stopped: %w", err)
			r.log.Error("recording failed", "err", failed, "ffmpeg", strings.TrimSpace(stderr.String()))
			continue
		}
		r.written.Add(1)
	}
	if cmd != nil {
		stdin.Close()
		if err := cmd.Wait(); err != nil {
			failed = errors.Join(failed, fmt.Errorf("record: ffmpeg: %w: %s", err, strings.TrimSpace(stderr.String())))
		}
	}
	r.err = failed
}

// Close stops accepting frames, lets ffmpeg encode what is queued and finalise the
// file, and waits for it.
func (r *Recorder) Close() error {
	r.mu.Lock()
	if !r.closed {
		r.closed = true
		close(r.frames)
	}
	r.mu.Unlock()
	<-r.done
	w, d, s := r.Stats()
	r.log.Info("recording finished", "written", w, "dropped", d, "size_dropped", s)
	return r.err
}

// limitedWriter keeps the first n bytes (ffmpeg's error messages).
type limitedWriter struct {
	b *bytes.Buffer
	n int
}

func (l *limitedWriter) Write(p []byte) (int, error) {
	if room := l.n - l.b.Len(); room > 0 {
		l.b.Write(p[:min(room, len(p))])
	}
	return len(p), nil
}
