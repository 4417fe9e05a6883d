package clip

import "errors"

// ErrVocab is returned when vocab.json is missing, malformed or lacks a required token.
var ErrVocab = errors.New("invalid clip vocab")

// ErrMerges is returned when merges.txt (or a CLIP bpe file) is missing or malformed.
var ErrMerges = errors.New("invalid clip merges")
