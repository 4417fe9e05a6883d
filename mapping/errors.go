// Package mapping turns mapping files (YAML) into rules that map OSC and MIDI
// input to engine parameters and actions, and reloads them live.
package mapping

import "errors"

// ErrInvalid means a mapping or presets file parsed as YAML but says something
// impossible (unknown target, two sources, empty range…).
var ErrInvalid = errors.New("invalid mapping")

// ErrUnknownPreset means a preset name or index does not exist in the presets file.
var ErrUnknownPreset = errors.New("unknown preset")

// ErrTooLarge means a mapping file would grow past MaxFileSize (a learned rule is then not written).
var ErrTooLarge = errors.New("mapping file too large")
