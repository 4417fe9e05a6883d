package engine

import (
	"fmt"
	"io"
	"log/slog"
	"os"
	"strconv"
	"strings"
)

// SourceOptions are the settings a source spec does not carry itself.
type SourceOptions struct {
	Width, Height int       // test pattern size; forced ffmpeg output size when > 0
	FPS           float64   // test pattern and image sources
	Stdin         io.Reader // for stdin:WxH
	FFmpeg        string    // ffmpeg binary, default "ffmpeg"
	Logger        *slog.Logger
}

// ParseSource turns a source spec into a Source:
//
//	testpattern              the drawn test pattern
//	stdin:WxH                raw RGBA frames of W×H on stdin
//	ffmpeg:<input args>      any ffmpeg input, e.g. ffmpeg:-f v4l2 -i /dev/video0
//	/dev/videoN              a V4L2 camera through ffmpeg
//	PATH                     an image (png/jpg), a folder of images, or a video file (looped)
func ParseSource(spec string, o SourceOptions) (Source, error) {
	switch {
	case spec == "" || spec == "testpattern":
		w, h := o.Width, o.Height
		if w <= 0 || h <= 0 {
			w, h = 640, 480
		}
		return &TestPattern{Width: w, Height: h, FPS: o.FPS}, nil
	case strings.HasPrefix(spec, "stdin:"):
		w, h, err := ParseSize(strings.TrimPrefix(spec, "stdin:"))
		if err != nil {
			return nil, fmt.Errorf("%w %q: %w", ErrBadSourceSpec, spec, err)
		}
		r := o.Stdin
		if r == nil {
			r = os.Stdin
		}
		return &RawSource{Label: spec, R: r, Width: w, Height: h}, nil
	case strings.HasPrefix(spec, "ffmpeg:"):
		args, err := SplitArgs(strings.TrimPrefix(spec, "ffmpeg:"))
		if err != nil {
			return nil, fmt.Errorf("%w %q: %w", ErrBadSourceSpec, spec, err)
		}
		if len(args) == 0 {
			return nil, fmt.Errorf("%w %q: no ffmpeg input arguments", ErrBadSourceSpec, spec)
		}
		return &FFmpegSource{Label: spec, InputArgs: args, Width: o.Width, Height: o.Height, Binary: o.FFmpeg}, nil
	case strings.HasPrefix(spec, "/dev/video"):
		return &FFmpegSource{Label: spec, InputArgs: []string{"-f", "v4l2", "-i", spec},
			Width: o.Width, Height: o.Height, Binary: o.FFmpeg}, nil
	}
	st, err := os.Stat(spec)
	if err != nil {
		return nil, fmt.Errorf("source %q: %w", spec, err)
	}
	if st.IsDir() || IsImageFile(spec) {
		if _, err := ImageFiles(spec); err != nil {
			return nil, err
		}
		return &ImageSource{Path: spec, FPS: o.FPS, Logger: o.Logger}, nil
	}
	// A video file plays at its own rate and loops.
	return &FFmpegSource{Label: "video:" + spec, InputArgs: []string{"-re", "-stream_loop", "-1", "-i", spec},
		Width: o.Width, Height: o.Height, Binary: o.FFmpeg}, nil
}

// ParseSize parses "WxH" with both sides in 1..16384.
func ParseSize(s string) (w, h int, err error) {
	a, b, ok := strings.Cut(s, "x")
	if !ok {
		return 0, 0, fmt.Errorf("size %q: want WxH", s)
	}
	w, err1 := strconv.Atoi(a)
	h, err2 := strconv.Atoi(b)
	if err1 != nil || err2 != nil || w < 1 || h < 1 || w > 16384 || h > 16384 {
		return 0, 0, fmt.Errorf("size %q: want WxH with sides 1..16384", s)
	}
	return w, h, nil
}

// SplitArgs splits a command line on spaces, honouring 'single' and "double"
// quotes and backslash escapes outside single quotes (no other shell features).
func SplitArgs(s string) ([]string, error) {
	var out []string
	var cur strings.Builder
	inArg := false
	var quote rune
	escaped := false
	for _, r := range s {
		switch {
		case escaped:
			cur.WriteRune(r)
			escaped = false
		case r == '\\' && quote != '\'':
			escaped, inArg = true, true
		case quote != 0:
			if r == quote {
				quote = 0
			} else {
				cur.WriteRune(r)
			}
		case r == '\'' || r == '"':
			quote, inArg = r, true
		case r == ' ' || r == '\t' || r == '\n':
			if inArg {
				out = append(out, cur.String())
				cur.Reset()
				inArg = false
			}
		default:
			cur.WriteRune(r)
			inArg = true
		}
	}
	if quote != 0 || escaped {
		return nil, fmt.Errorf("unterminated quote or escape in %q", s)
	}
	if inArg {
		out = append(out, cur.String())
	}
	return out, nil
}
