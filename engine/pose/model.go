// Package pose runs MoveNet (single pose Lightning/Thunder and MultiPose) on
// frames of any size, following tfjs-models pose-detection/src/movenet: the
// single-pose smart crop, bilinear resize and letterbox, One Euro keypoint
// smoothing and the MultiPose tracker with stable IDs.
package pose

import (
	"fmt"
	"slices"
)

// Model runs MoveNet once. in is int32 NHWC RGB [1,h,w,3] (0..255); the result
// is the flattened output tensor: [1,1,17,3] (y, x, score) for single pose,
// [1,6,56] for MultiPose.
type Model interface {
	Infer(in []int32, h, w int) ([]float32, error)
}

// inputBuffer is a Model that lends the buffer it will read (e.g. its ORT
// input tensor), so the estimator resamples straight into it and Infer skips
// the copy. The buffer holds h*w*3 values and stays valid until the next call.
type inputBuffer interface {
	InputBuffer(h, w int) ([]int32, error)
}

// Kind says how a model's output is laid out.
type Kind int

// Model kinds.
const (
	Single Kind = iota // [1,1,17,3]
	Multi              // [1,N,56]
)

// Spec describes one MoveNet variant.
type Spec struct {
	Name  string
	Kind  Kind
	Input int // square input side (single) or longest side (multi, multiple of 32)
}

// Specs are the MoveNet variants the engine knows, by model name.
var Specs = map[string]Spec{
	"movenet-lightning": {Name: "movenet-lightning", Kind: Single, Input: 192},
	"movenet-thunder":   {Name: "movenet-thunder", Kind: Single, Input: 256},
	"movenet-multipose": {Name: "movenet-multipose", Kind: Multi, Input: 256},
}

// LookupSpec returns the Spec of a model name.
func LookupSpec(name string) (Spec, error) {
	s, ok := Specs[name]
	if !ok {
		names := make([]string, 0, len(Specs))
		for n := range Specs {
			names = append(names, n)
		}
		slices.Sort(names)
		return Spec{}, fmt.Errorf("%w %q (known: %v)", ErrUnknownModel, name, names)
	}
	return s, nil
}
