package tensorrt

import "errors"

// ErrNoProfile means a dynamic profile lacks min, opt or max shapes for an input.
var ErrNoProfile = errors.New("tensorrt: incomplete shape profile")

// ErrBadShape means a profile shape has a dimension below 1 or min ≤ opt ≤ max does not hold.
var ErrBadShape = errors.New("tensorrt: invalid profile shape")

// ErrNoCacheDir means the engine cache is enabled without a cache directory.
var ErrNoCacheDir = errors.New("tensorrt: engine cache enabled without a directory")
