package upscale

import "errors"

// ErrNotUpscaler means the model is not [N,H,W,3] float32 → [N,s·H,s·W,3] float32.
var ErrNotUpscaler = errors.New("not an upscaling model")

// ErrClosed means the upscaler was used after Close.
var ErrClosed = errors.New("upscale: model closed")
