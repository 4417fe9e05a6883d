package engine

import (
	"bytes"
	"context"
	"errors"
	"image"
	"image/png"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// fakeSource is a Source whose behaviour is a function field.
type fakeSource struct {
	run func(ctx context.Context, emit func(*image.RGBA, time.Time)) error
}

func (f *fakeSource) Name() string { return "fake" }
func (f *fakeSource) Run(ctx context.Context, emit func(*image.RGBA, time.Time)) error {
	return f.run(ctx, emit)
}

// syncBuf is a goroutine-safe log buffer.
type syncBuf struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuf) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuf) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func TestCaptureRestartsFailingSource(t *testing.T) {
	var mu sync.Mutex
	runs := 0
	src := &fakeSource{run: func(ctx context.Context, emit func(*image.RGBA, time.Time)) error {
		mu.Lock()
		runs++
		n := runs
		mu.Unlock()
		emit(image.NewRGBA(image.Rect(0, 0, 2, 2)), time.Now())
		if n < 3 {
			return errors.New("camera unplugged")
		}
		<-ctx.Done()
		return ctx.Err()
	}}
	logs := &syncBuf{}
	box := NewMailbox[*Frame]()
	c := NewCapture(src, box, slog.New(slog.NewTextHandler(logs, nil)))
	c.MinBackoff = time.Millisecond
	c.Start(context.Background())
	for {
		f, _ := box.Get(context.Background())
		if f.Seq == 3 {
			break
		}
	}
	c.Close()
	if c.Restarts() != 2 || c.Stats().Errors != 2 {
		t.Fatalf("restarts=%d errors=%d; want 2, 2", c.Restarts(), c.Stats().Errors)
	}
	if !strings.Contains(logs.String(), `msg="source failed; restarting" component=source source=fake err="camera unplugged"`) {
		t.Fatalf("restart not reported in log:\n%s", logs)
	}
}

func TestCaptureStopsOnSourceEnded(t *testing.T) {
	src := &RawSource{Label: "stdin:2x1", R: bytes.NewReader(make([]byte, 8*3)), Width: 2, Height: 1}
	box := NewMailbox[*Frame]()
	c := NewCapture(src, box, slog.New(slog.DiscardHandler))
	c.Start(context.Background())
	<-c.Done()
	c.Close()
	if c.Stats().Frames != 3 || c.Restarts() != 0 {
		t.Fatalf("frames=%d restarts=%d; want 3, 0", c.Stats().Frames, c.Restarts())
	}
}

func TestRawSourcePartialFrame(t *testing.T) {
	src := &RawSource{Label: "stdin:2x1", R: bytes.NewReader(make([]byte, 5)), Width: 2, Height: 1}
	err := src.Run(context.Background(), func(*image.RGBA, time.Time) {})
	if err == nil || err.Error() != "read frame: input ended inside a 2x1 frame" {
		t.Fatalf("err = %v", err)
	}
}

func TestFFmpegSourceLavfi(t *testing.T) {
	if _, err := exec.LookPath("ffmpeg"); err != nil {
		t.Skip("ffmpeg not on PATH")
	}
	src := &FFmpegSource{Label: "t", InputArgs: []string{"-f", "lavfi", "-i", "testsrc=size=64x48:rate=25", "-frames:v", "3"}}
	var n int
	var size image.Point
	err := src.Run(context.Background(), func(img *image.RGBA, _ time.Time) {
		n++
		size = img.Rect.Size()
	})
	if err != nil || n != 3 || size != image.Pt(64, 48) {
		t.Fatalf("err=%v frames=%d size=%v; want nil, 3, 64x48", err, n, size)
	}
}

func TestFFmpegSourceScaled(t *testing.T) {
	if _, err := exec.LookPath("ffmpeg"); err != nil {
		t.Skip("ffmpeg not on PATH")
	}
	src := &FFmpegSource{Label: "t", Width: 32, Height: 16, InputArgs: []string{"-f", "lavfi", "-i", "testsrc=size=64x48:rate=25", "-frames:v", "1"}}
	var size image.Point
	if err := src.Run(context.Background(), func(img *image.RGBA, _ time.Time) { size = img.Rect.Size() }); err != nil || size != image.Pt(32, 16) {
		t.Fatalf("err=%v size=%v; want 32x16", err, size)
	}
}

func TestFFmpegSourceErrors(t *testing.T) {
	if _, err := exec.LookPath("ffmpeg"); err != nil {
		t.Skip("ffmpeg not on PATH")
	}
	src := &FFmpegSource{Label: "t", InputArgs: []string{"-i", "/nonexistent/clip.mp4"}}
	err := src.Run(context.Background(), func(*image.RGBA, time.Time) {})
	if err == nil || !strings.Contains(err.Error(), "/nonexistent/clip.mp4: No such file or directory") {
		t.Fatalf("err = %v; want ffmpeg's no such file", err)
	}
	missing := &FFmpegSource{Label: "t", Binary: "ffmpeg-not-installed-here", InputArgs: []string{"-i", "x"}}
	if err := missing.Run(context.Background(), func(*image.RGBA, time.Time) {}); !errors.Is(err, ErrFFmpegNotFound) {
		t.Fatalf("err = %v; want ErrFFmpegNotFound", err)
	}
}

func TestFFmpegSourceCancel(t *testing.T) {
	if _, err := exec.LookPath("ffmpeg"); err != nil {
		t.Skip("ffmpeg not on PATH")
	}
	ctx, cancel := context.WithCancel(context.Background())
	src := &FFmpegSource{Label: "t", InputArgs: []string{"-re", "-f", "lavfi", "-i", "testsrc=size=64x48:rate=25"}}
	got := make(chan struct{}, 1)
	done := make(chan error)
	go func() {
		done <- src.Run(ctx, func(*image.RGBA, time.Time) {
			select {
			case got <- struct{}{}:
			default:
			}
		})
	}()
	<-got
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v; want context.Canceled", err)
	}
}

func TestTestPatternAndImageSource(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	tp := &TestPattern{Width: 64, Height: 48, FPS: 1000}
	n := 0
	err := tp.Run(ctx, func(img *image.RGBA, _ time.Time) {
		if img.Rect.Dx() != 64 || img.Rect.Dy() != 48 {
			t.Errorf("size %v", img.Rect)
		}
		if n++; n == 3 {
			cancel()
		}
	})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v", err)
	}
	bad := &ImageSource{Path: "/nonexistent.png"}
	if err := bad.Run(context.Background(), nil); err == nil || err.Error() != "image source: stat /nonexistent.png: no such file or directory" {
		t.Fatalf("err = %v", err)
	}
}

// TestImageFolderSkipsUnreadable: one broken file in a folder is skipped, the rest play.
func TestImageFolderSkipsUnreadable(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "a-broken.png"), []byte("not a png"), 0o644); err != nil {
		t.Fatal(err)
	}
	f, err := os.Create(filepath.Join(dir, "b-good.png"))
	if err != nil {
		t.Fatal(err)
	}
	if err := png.Encode(f, image.NewRGBA(image.Rect(0, 0, 4, 3))); err != nil {
		t.Fatal(err)
	}
	f.Close()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	src := &ImageSource{Path: dir, FPS: 1000}
	got := 0
	err = src.Run(ctx, func(img *image.RGBA, _ time.Time) {
		if img.Rect.Dx() != 4 {
			t.Errorf("frame width %d, want 4", img.Rect.Dx())
		}
		if got++; got == 3 {
			cancel()
		}
	})
	if got < 3 || !errors.Is(err, context.Canceled) {
		t.Fatalf("frames %d, err %v; want 3 frames then context.Canceled", got, err)
	}
	// Only broken files: the first decoding error.
	if err := os.Remove(filepath.Join(dir, "b-good.png")); err != nil {
		t.Fatal(err)
	}
	if err := (&ImageSource{Path: dir, FPS: 1000}).Run(context.Background(), func(*image.RGBA, time.Time) {}); err == nil {
		t.Fatal("a folder of broken images ran")
	}
}
