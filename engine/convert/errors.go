package convert

import "errors"

// ErrSize means a buffer's length does not match the dimensions given with it.
var ErrSize = errors.New("buffer size does not match dimensions")

// ErrDims means a width or height is zero or negative.
var ErrDims = errors.New("width and height must be positive")
