package engine

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

func TestSplitArgs(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want []string
		err  string
	}{
		{"plain", "-f v4l2 -i /dev/video0", []string{"-f", "v4l2", "-i", "/dev/video0"}, ""},
		{"double quotes", `-i "my clip.mp4"`, []string{"-i", "my clip.mp4"}, ""},
		{"single quotes keep backslash", `-i 'a\b'`, []string{"-i", `a\b`}, ""},
		{"escaped space", `-i my\ clip.mp4`, []string{"-i", "my clip.mp4"}, ""},
		{"empty quoted arg", `-x ""`, []string{"-x", ""}, ""},
		{"blank", "   ", nil, ""},
		{"unterminated", `-i "oops`, nil, `unterminated quote or escape in "-i \"oops"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := SplitArgs(tt.in)
			if tt.err != "" {
				if err == nil || err.Error() != tt.err {
					t.Fatalf("err = %v; want %q", err, tt.err)
				}
				return
			}
			if err != nil || !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("SplitArgs(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
			}
		})
	}
}

func FuzzSplitArgs(f *testing.F) {
	for _, s := range []string{"-f v4l2 -i /dev/video0", `-i "a b"`, `'x\'`, `\`, ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		args, err := SplitArgs(s)
		if err != nil {
			return
		}
		for _, a := range args {
			_ = a
		}
	})
}

func FuzzParseSize(f *testing.F) {
	for _, s := range []string{"640x480", "x", "0x0", "99999x1", "1x1"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		w, h, err := ParseSize(s)
		if err == nil && (w < 1 || h < 1 || w > 16384 || h > 16384) {
			t.Fatalf("ParseSize(%q) = %d, %d accepted out of range", s, w, h)
		}
	})
}

func FuzzParseOutputSize(f *testing.F) {
	f.Add("  Stream #0:0: Video: rawvideo (RGBA / 0x41424752), rgba(pc), 320x240 [SAR 1:1 DAR 4:3], q=2-31, 30 fps")
	f.Add("Stream #0:0: Video: rawvideo, 0x0")
	f.Fuzz(func(t *testing.T, s string) {
		if w, h, ok := parseOutputSize(s); ok && (w <= 0 || h <= 0) {
			t.Fatalf("bad size accepted: %d %d", w, h)
		}
	})
}

func TestParseOutputSize(t *testing.T) {
	w, h, ok := parseOutputSize("  Stream #0:0: Video: rawvideo (RGBA / 0x41424752), rgba(pc, gbr/unknown/unknown, progressive), 320x240 [SAR 1:1 DAR 4:3], q=2-31, 61440 kb/s, 10 fps, 10 tbn")
	if !ok || w != 320 || h != 240 {
		t.Fatalf("got %d %d %v; want 320 240 true", w, h, ok)
	}
}

func TestParseSource(t *testing.T) {
	dir := t.TempDir()
	png := filepath.Join(dir, "a.png")
	if err := os.WriteFile(png, []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	empty := filepath.Join(dir, "empty")
	if err := os.Mkdir(empty, 0o755); err != nil {
		t.Fatal(err)
	}
	video := filepath.Join(dir, "clip.mp4")
	if err := os.WriteFile(video, []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		spec  string
		name  string // Source.Name()
		err   string
		errIs error
	}{
		{"", "testpattern", "", nil},
		{"testpattern", "testpattern", "", nil},
		{"stdin:64x48", "stdin:64x48", "", nil},
		{"stdin:64", "", `bad source spec "stdin:64": size "64": want WxH`, ErrBadSourceSpec},
		{"ffmpeg:-f lavfi -i testsrc", "ffmpeg:-f lavfi -i testsrc", "", nil},
		{"ffmpeg:", "", `bad source spec "ffmpeg:": no ffmpeg input arguments`, ErrBadSourceSpec},
		{"/dev/video7", "/dev/video7", "", nil},
		{png, "image:" + png, "", nil},
		{dir, "image:" + dir, "", nil},
		{video, "video:" + video, "", nil},
		{empty, "", "image source " + empty + ": no png or jpeg images", ErrNoImages},
		{filepath.Join(dir, "missing.mp4"), "", `source "` + filepath.Join(dir, "missing.mp4") + `": stat ` + filepath.Join(dir, "missing.mp4") + ": no such file or directory", os.ErrNotExist},
	}
	for _, tt := range tests {
		t.Run(tt.spec, func(t *testing.T) {
			src, err := ParseSource(tt.spec, SourceOptions{})
			if tt.err != "" {
				if err == nil || err.Error() != tt.err || !errors.Is(err, tt.errIs) {
					t.Fatalf("err = %v; want %q (is %v)", err, tt.err, tt.errIs)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if src.Name() != tt.name {
				t.Fatalf("Name = %q; want %q", src.Name(), tt.name)
			}
		})
	}
}
