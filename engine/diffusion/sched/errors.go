package sched

import "errors"

// ErrNoSteps means steps·strength < 1: diffusers' img2img would run zero denoising steps
// and return the (encoded) input unchanged; the engine reports it instead.
var ErrNoSteps = errors.New("steps × strength < 1: no denoising step would run")

// ErrUnknownScheduler is returned by New for a name outside the supported set.
var ErrUnknownScheduler = errors.New("unknown scheduler")

// ErrSteps is returned by SetTimesteps for a step count the scheduler cannot produce.
var ErrSteps = errors.New("invalid number of inference steps")

// ErrStrength is returned for an img2img strength outside [0, 1].
var ErrStrength = errors.New("strength must be within [0, 1]")

// ErrConfig is returned for a scheduler config value the engine does not support.
var ErrConfig = errors.New("invalid scheduler config")

// ErrNotSet is returned when a scheduler is used before SetTimesteps.
var ErrNotSet = errors.New("timesteps not set: call SetTimesteps first")

// ErrIndex is returned for a step index outside the schedule.
var ErrIndex = errors.New("step index out of range")

// ErrShape is returned when model output, sample or noise lengths differ.
var ErrShape = errors.New("tensor lengths differ")

// ErrNeedNoise is returned by Step when the step is stochastic and no noise source was given.
var ErrNeedNoise = errors.New("stochastic step needs a noise source")
