package engine

import "errors"

// ErrSourceEnded means a source has nothing more to give and cannot be restarted
// (e.g. stdin reached end of file). Capture stops instead of retrying.
var ErrSourceEnded = errors.New("source ended for good")

// ErrBadSourceSpec means a --source / source.spec string could not be understood.
var ErrBadSourceSpec = errors.New("bad source spec")

// ErrFFmpegNotFound means the ffmpeg executable is not on PATH.
var ErrFFmpegNotFound = errors.New("ffmpeg not found on PATH")

// ErrNoImages means an image folder holds no PNG or JPEG file.
var ErrNoImages = errors.New("no png or jpeg images")

// ErrImageTooLarge means an image file declares more pixels than MaxImagePixels (or a
// side over MaxImageSide); it is refused from its header, before anything is allocated.
var ErrImageTooLarge = errors.New("image too large")

// ErrBadGraph means the operators given to the frame loop do not fit together (a name or
// stream used twice, an input stream nothing emits, a cycle, an unknown parameter).
var ErrBadGraph = errors.New("bad operator graph")
