// Package osc decodes, encodes and matches OSC 1.0 packets
// (https://opensoundcontrol.stanford.edu/spec-1_0.html). The decoder is written for
// hostile input: every length is checked, nothing panics, nesting is bounded.
package osc

import "errors"

// ErrMalformed means a packet is not valid OSC 1.0 (truncated, bad padding, bad type tag…).
var ErrMalformed = errors.New("malformed osc packet")

// ErrUnsupported means a packet uses a type tag this decoder does not handle (arrays).
var ErrUnsupported = errors.New("unsupported osc type tag")

// ErrBadPattern means an address pattern is not valid OSC 1.0 (unclosed [ or {).
var ErrBadPattern = errors.New("bad osc address pattern")
