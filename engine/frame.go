// Package engine holds the frame loop: sources produce frames, stages turn them
// into pose results and images, outputs consume them. Stages read one immutable
// parameter snapshot per frame.
package engine

import (
	"image"
	"time"
)

// Frame is one captured picture. Pix is tightly packed RGBA (stride 4*Width).
// A Frame is never modified after it leaves its source: stages copy what they change.
type Frame struct {
	Seq      uint64    // increasing per source, starting at 1
	Captured time.Time // capture time (used as the OSC bundle timetag)
	Image    *image.RGBA
}

// Width returns the frame width in pixels.
func (f *Frame) Width() int { return f.Image.Rect.Dx() }

// Height returns the frame height in pixels.
func (f *Frame) Height() int { return f.Image.Rect.Dy() }
