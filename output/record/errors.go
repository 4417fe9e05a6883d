package record

import "errors"

// ErrNoFFmpeg means the ffmpeg binary was not found on PATH.
var ErrNoFFmpeg = errors.New("record: ffmpeg not found on PATH (install ffmpeg)")

// ErrNoPath means no output file was given.
var ErrNoPath = errors.New("record: no output path")
