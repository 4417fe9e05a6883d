package main

import (
	"io"
	"testing"
)

func TestOutputFlagErrors(t *testing.T) {
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"--shm-out", "a/b"}, `invalid value "a/b" for flag -shm-out: shm: bad segment name: "a/b" (want 1-64 of A-Z a-z 0-9 . _ -)`},
		{[]string{"--shm-out", "a:depth"}, `invalid value "a:depth" for flag -shm-out: unknown stream "depth" (want input, pose, diffusion, mask, matte or upscale)`},
		{[]string{"--td-shm", "a b"}, `invalid value "a b" for flag -td-shm: tdshm: bad name: "a b"`},
		{[]string{"--spout-out", `a\b`}, `invalid value "a\\b" for flag -spout-out: spout: bad sender name: "a\\b"`},
		{[]string{"--spout-out", "vivid out:depth"}, `invalid value "vivid out:depth" for flag -spout-out: unknown stream "depth" (want input, pose, diffusion, mask, matte or upscale)`},
	}
	for _, tt := range tests {
		k, err := newRunCommandFlags("run")
		if err != nil {
			t.Fatal(err)
		}
		k.fs.SetOutput(io.Discard)
		if err := k.fs.Parse(tt.args); err == nil || err.Error() != tt.want {
			t.Errorf("%v: %v\nwant %s", tt.args, err, tt.want)
		}
	}
}

func FuzzParseSize(f *testing.F) {
	for _, s := range []string{"640x360", "1x1", "0x5", "16385x1", "x", "12x", "-1x-1"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		w, h, err := parseSize(s)
		if err == nil && (w <= 0 || h <= 0 || w > 16384 || h > 16384) {
			t.Fatalf("%q accepted as %dx%d", s, w, h)
		}
	})
}
