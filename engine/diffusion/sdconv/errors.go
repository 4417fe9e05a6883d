package sdconv

import "errors"

// ErrWeights means a weight is missing or has another shape than the config implies.
var ErrWeights = errors.New("sdconv: weights do not match the config")

// ErrConfig means a config.json describes something the builder does not support.
var ErrConfig = errors.New("sdconv: unsupported config")
