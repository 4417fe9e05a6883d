package diffusion

import "errors"

// ErrMissingFile means the model folder lacks a file the pipeline needs; the error names it.
var ErrMissingFile = errors.New("diffusion: model folder is missing a file")

// ErrModelIO means a model's inputs or outputs do not match what the pipeline feeds and reads.
var ErrModelIO = errors.New("diffusion: unexpected model inputs/outputs")

// ErrNoSteps means steps × strength < 1: img2img would run no denoising step.
var ErrNoSteps = errors.New("diffusion: steps × strength < 1 runs no step")

// ErrClosed means the pipeline or stage was used after Close.
var ErrClosed = errors.New("diffusion: closed")

// ErrNotReady means no prompt embedding is ready yet (the text encoder is still working).
var ErrNotReady = errors.New("diffusion: prompt embedding not ready")
