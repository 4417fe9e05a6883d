package tfjs

import "errors"

// ErrUnsupportedOp means the graph uses a TensorFlow op (or op variant) the importer cannot translate.
var ErrUnsupportedOp = errors.New("unsupported op")

// ErrBadModel means model.json is malformed or inconsistent (bad JSON, unknown input, bad attribute).
var ErrBadModel = errors.New("bad model")

// ErrBadWeights means the weights manifest and the shard bytes disagree (size, dtype, shape, missing shard).
var ErrBadWeights = errors.New("bad weights")
