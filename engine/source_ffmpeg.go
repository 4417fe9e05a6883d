package engine

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"image"
	"io"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"
)

// FFmpegSource decodes any ffmpeg input (video file, camera, stream) to raw RGBA
// through an ffmpeg subprocess. The frame size is read from ffmpeg's own report of
// its output stream, or forced with Width/Height (scaled by ffmpeg).
type FFmpegSource struct {
	Label         string
	InputArgs     []string // e.g. ["-f", "v4l2", "-i", "/dev/video0"]
	Width, Height int      // 0: keep the input size
	Binary        string   // default "ffmpeg"
}

// Name implements Source.
func (s *FFmpegSource) Name() string { return s.Label }

// outputStreamRE matches ffmpeg's description of its rawvideo output stream.
var outputStreamRE = regexp.MustCompile(`Stream #0:\d+.*: Video: rawvideo.*?, (\d+)x(\d+)`)

// Args returns the full ffmpeg command line after the binary name.
func (s *FFmpegSource) Args() []string {
	args := []string{"-hide_banner", "-nostdin", "-nostats", "-loglevel", "info"}
	args = append(args, s.InputArgs...)
	if s.Width > 0 && s.Height > 0 {
		args = append(args, "-vf", fmt.Sprintf("scale=%d:%d", s.Width, s.Height))
	}
	return append(args, "-an", "-f", "rawvideo", "-pix_fmt", "rgba", "pipe:1")
}

// Run implements Source: nil when ffmpeg reached the end of its input.
func (s *FFmpegSource) Run(ctx context.Context, emit func(*image.RGBA, time.Time)) error {
	bin := s.Binary
	if bin == "" {
		bin = "ffmpeg"
	}
	path, err := exec.LookPath(bin)
	if err != nil {
		return fmt.Errorf("%w: %w", ErrFFmpegNotFound, err)
	}
	cmd := exec.CommandContext(ctx, path, s.Args()...)
	cmd.WaitDelay = 2 * time.Second
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return fmt.Errorf("ffmpeg: %w", err)
	}
	stderr, err := cmd.StderrPipe()
	if err != nil {
		return fmt.Errorf("ffmpeg: %w", err)
	}
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("ffmpeg: %w", err)
	}
	log := &tailLog{}
	size := make(chan image.Point, 1)
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		scanStderr(stderr, log, size)
	}()

	var readErr error
	select {
	case sz, ok := <-size:
		if ok {
			readErr = readRawFrames(ctx, stdout, sz.X, sz.Y, emit, false)
		} else {
			readErr = errNoSize
		}
	case <-ctx.Done():
	}
	// Drain so ffmpeg is never stuck writing, then reap it.
	_, _ = io.Copy(io.Discard, stdout)
	wg.Wait()
	waitErr := cmd.Wait()
	switch {
	case ctx.Err() != nil:
		return ctx.Err()
	case waitErr != nil:
		return fmt.Errorf("ffmpeg %s: %w: %s", strings.Join(s.InputArgs, " "), waitErr, log.last())
	case readErr != nil:
		return readErr
	}
	return nil
}

// scanStderr keeps the last lines of ffmpeg's log and reports the output size once.
func scanStderr(r io.Reader, log *tailLog, size chan<- image.Point) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64*1024), 1024*1024)
	sawOutput, sent := false, false
	for sc.Scan() {
		line := sc.Text()
		log.add(line)
		if strings.HasPrefix(line, "Output #0") {
			sawOutput = true
		}
		if sawOutput && !sent {
			if w, h, ok := parseOutputSize(line); ok {
				size <- image.Pt(w, h)
				sent = true
			}
		}
	}
	if !sent {
		close(size)
	}
}

// parseOutputSize reads W and H from an ffmpeg rawvideo output stream line.
func parseOutputSize(line string) (w, h int, ok bool) {
	m := outputStreamRE.FindStringSubmatch(line)
	if m == nil {
		return 0, 0, false
	}
	w, err1 := strconv.Atoi(m[1])
	h, err2 := strconv.Atoi(m[2])
	if err1 != nil || err2 != nil || w <= 0 || h <= 0 || w > 16384 || h > 16384 {
		return 0, 0, false
	}
	return w, h, true
}

// tailLog keeps the last few stderr lines of a subprocess for error messages.
type tailLog struct {
	mu    sync.Mutex
	lines []string
}

func (t *tailLog) add(line string) {
	line = strings.TrimSpace(line)
	if line == "" {
		return
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	t.lines = append(t.lines, line)
	if len(t.lines) > 4 {
		t.lines = t.lines[1:]
	}
}

func (t *tailLog) last() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	if len(t.lines) == 0 {
		return "no output"
	}
	return strings.Join(t.lines, " | ")
}

// errNoSize is used when ffmpeg exits before describing its output.
var errNoSize = errors.New("ffmpeg reported no output video stream")
