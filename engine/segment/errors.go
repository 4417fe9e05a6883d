package segment

import "errors"

// ErrNotSegmenter means the model's inputs/outputs are not [1,H,W,3] float32 → [1,H,W,1|2] float32.
var ErrNotSegmenter = errors.New("not a segmentation model")

// ErrClosed means the model was used after Close.
var ErrClosed = errors.New("segment: model closed")
