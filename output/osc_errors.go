package output

import "errors"

// ErrOSCConfig means an OSC output option is invalid.
var ErrOSCConfig = errors.New("bad osc output config")

// ErrOSCTooBig means a single OSC message does not fit the packet size limit.
var ErrOSCTooBig = errors.New("osc message larger than the packet limit")
