package sdconv

import "errors"

// ErrWeights means a weight is missing or has another shape than the config implies.
var ErrWeights = errors.New("sdconv: weights do not match the config")

// ErrConfig means a config.json describes something the builder does not support.
var ErrConfig = errors.New("sdconv: unsupported config")

// ErrStale means a converted folder was made from other sources, options or by
// another converter version.
var ErrStale = errors.New("sdconv: conversion is stale")

// ErrCorrupt means a converted folder's files differ from its sidecar.
var ErrCorrupt = errors.New("sdconv: converted folder does not match its sidecar")

// errNoBase: a UNet-only checkpoint has nothing but the UNet.
var errNoBase = errors.New("sdconv: a UNet-only file needs --base (a diffusers folder with the other components)")
