package engine

import (
	"context"
	"fmt"
	"image"
	"image/draw"
	_ "image/jpeg" // register JPEG for image.Decode
	_ "image/png"  // register PNG for image.Decode
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

// ImageSource plays one image file, or every PNG/JPEG of a folder in name order,
// in a loop at FPS frames per second.
type ImageSource struct {
	Path   string
	FPS    float64
	Logger *slog.Logger // reports skipped files; nil: silent
}

// Name implements Source.
func (s *ImageSource) Name() string { return "image:" + s.Path }

// Run implements Source. The images are decoded once and shared by every frame
// that shows them (frames are never modified); it never ends on its own.
func (s *ImageSource) Run(ctx context.Context, emit func(*image.RGBA, time.Time)) error {
	files, err := ImageFiles(s.Path)
	if err != nil {
		return err
	}
	// A folder keeps playing when some of its files can't be decoded: they are
	// skipped and reported; only a source with no readable image fails.
	imgs := make([]*image.RGBA, 0, len(files))
	var firstErr error
	for _, f := range files {
		img, err := LoadImage(f)
		if err != nil {
			if firstErr == nil {
				firstErr = err
			}
			if s.Logger != nil {
				s.Logger.Warn("skipping unreadable image", "file", f, "err", err)
			}
			continue
		}
		imgs = append(imgs, img)
	}
	if len(imgs) == 0 {
		return firstErr
	}
	p := newPacer(s.FPS)
	for i := 0; p.wait(ctx); i = (i + 1) % len(imgs) {
		emit(imgs[i], time.Now()) // frames are immutable, so the decoded picture is shared
	}
	return ctx.Err()
}

// IsImageFile reports whether name has a PNG or JPEG extension.
func IsImageFile(name string) bool {
	switch strings.ToLower(filepath.Ext(name)) {
	case ".png", ".jpg", ".jpeg":
		return true
	}
	return false
}

// ImageFiles lists path itself when it is a file, else the PNG/JPEG files in the folder, sorted.
func ImageFiles(path string) ([]string, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("image source: %w", err)
	}
	if !st.IsDir() {
		return []string{path}, nil
	}
	ents, err := os.ReadDir(path)
	if err != nil {
		return nil, fmt.Errorf("image source: %w", err)
	}
	var out []string
	for _, e := range ents {
		if !e.IsDir() && IsImageFile(e.Name()) {
			out = append(out, filepath.Join(path, e.Name()))
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("image source %s: %w", path, ErrNoImages)
	}
	slices.Sort(out)
	return out, nil
}

// MaxImageSide and MaxImagePixels bound the images LoadImage decodes (8K UHD is 33 MP):
// decoding allocates 4 bytes per pixel at least, so the header is checked first.
const (
	MaxImageSide   = 16384
	MaxImagePixels = 40_000_000
)

// LoadImage decodes a PNG or JPEG file into tightly packed RGBA. The size in the file's
// header is checked against MaxImageSide and MaxImagePixels before decoding.
func LoadImage(path string) (*image.RGBA, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("load image: %w", err)
	}
	defer f.Close()
	cfg, _, err := image.DecodeConfig(f)
	if err != nil {
		return nil, fmt.Errorf("load image %s: %w", path, err)
	}
	if cfg.Width > MaxImageSide || cfg.Height > MaxImageSide || cfg.Width*cfg.Height > MaxImagePixels {
		return nil, fmt.Errorf("load image %s: %w: %dx%d (at most %d pixels, %d a side)",
			path, ErrImageTooLarge, cfg.Width, cfg.Height, MaxImagePixels, MaxImageSide)
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return nil, fmt.Errorf("load image %s: %w", path, err)
	}
	img, _, err := image.Decode(f)
	if err != nil {
		return nil, fmt.Errorf("load image %s: %w", path, err)
	}
	return ToRGBA(img), nil
}

// ToRGBA converts any image to a tightly packed *image.RGBA with origin (0,0).
func ToRGBA(img image.Image) *image.RGBA {
	b := img.Bounds()
	if r, ok := img.(*image.RGBA); ok && b.Min == (image.Point{}) && r.Stride == 4*b.Dx() {
		return r
	}
	out := image.NewRGBA(image.Rect(0, 0, b.Dx(), b.Dy()))
	draw.Draw(out, out.Rect, img, b.Min, draw.Src)
	return out
}
