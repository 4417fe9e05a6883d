package pose

import "errors"

// ErrUnknownModel means a pose model name is not one of Specs.
var ErrUnknownModel = errors.New("unknown pose model")

// ErrOutputShape means a model returned a tensor of the wrong size for its kind.
var ErrOutputShape = errors.New("unexpected pose model output size")

// ErrNotMoveNet means an ONNX model does not have MoveNet's inputs and outputs.
var ErrNotMoveNet = errors.New("not a movenet model")
