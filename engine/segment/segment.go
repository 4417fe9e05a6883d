// Package segment runs person-segmentation models (MediaPipe selfie, Meet) on any backend of
// the inference contract and turns their output into a mask at the frame's size, with the
// pre- and post-processing of tfjs-models body-segmentation (selfie_segmentation_tfjs).
package segment

import (
	"fmt"
	"image"
	"math"

	"github.com/vivid-ml/vivid-ml-engine/engine/infer"
)

// Model is one segmentation model: input [1,H,W,3] RGB 0..1, output [1,H,W,1] probability
// (selfie: sigmoid inside the graph) or [1,H,W,2] logits (meet: background, person).
// Tensors are allocated once and reused.
type Model struct {
	m       infer.Model
	in, out *infer.Tensor
	h, w, c int
	prob    []float32 // meet: softmax output, reused
}

// Open opens the model at path on backend b.
func Open(b infer.Backend, path string) (*Model, error) {
	m, err := b.Open(infer.Spec{Path: path, Name: "segment"})
	if err != nil {
		return nil, err
	}
	ins, outs := m.Inputs(), m.Outputs()
	if len(ins) != 1 || len(outs) != 1 || ins[0].Elem != infer.Float32 || outs[0].Elem != infer.Float32 ||
		!ins[0].Static() || len(ins[0].Shape) != 4 || ins[0].Shape[3] != 3 || len(outs[0].Shape) != 4 {
		m.Close()
		return nil, fmt.Errorf("%w: %s: %v → %v", ErrNotSegmenter, path, ins, outs)
	}
	h, w, c := ins[0].Shape[1], ins[0].Shape[2], outs[0].Shape[3]
	if c != 1 && c != 2 {
		m.Close()
		return nil, fmt.Errorf("%w: %s: output has %d channels, want 1 or 2", ErrNotSegmenter, path, c)
	}
	in, err := infer.NewTensor(infer.Float32, 1, h, w, 3)
	if err != nil {
		m.Close()
		return nil, err
	}
	out, err := infer.NewTensor(infer.Float32, 1, h, w, c)
	if err != nil {
		m.Close()
		return nil, err
	}
	return &Model{m: m, in: in, out: out, h: int(h), w: int(w), c: int(c)}, nil
}

// Size is the model's input width and height.
func (m *Model) Size() (w, h int) { return m.w, m.h }

// Provider names what runs the model.
func (m *Model) Provider() string { return m.m.Provider() }

// Close releases the model.
func (m *Model) Close() error {
	if m.m == nil {
		return nil
	}
	err := m.m.Close()
	m.m = nil
	return err
}

// Mask is a person probability per pixel (0..1), row-major.
type Mask struct {
	W, H int
	V    []float32
}

// Gray renders the mask as 8-bit grayscale, value round(v·255) clamped to 0..255.
func (k *Mask) Gray() *image.Gray {
	g := image.NewGray(image.Rect(0, 0, k.W, k.H))
	for i, v := range k.V {
		g.Pix[i] = uint8(math.Round(float64(min(max(v, 0), 1)) * 255))
	}
	return g
}

// Raw runs the model on img and returns its mask at the model's resolution (probabilities;
// meet's two logits become softmax's person channel). The slice is reused by the next call.
func (m *Model) Raw(img *image.RGBA) (*Mask, error) {
	if m.m == nil {
		return nil, ErrClosed
	}
	InputTensor(m.in.F32, img, m.w, m.h)
	if err := m.m.Run([]*infer.Tensor{m.in}, []*infer.Tensor{m.out}); err != nil {
		return nil, fmt.Errorf("segment: %w", err)
	}
	v := m.out.F32
	if m.c == 2 {
		// softmax over (background, person), person channel: 1 / (1 + e^(bg − person)).
		if len(m.prob) != m.w*m.h {
			m.prob = make([]float32, m.w*m.h)
		}
		p := m.prob
		for i := range p {
			p[i] = float32(1 / (1 + math.Exp(float64(v[2*i]-v[2*i+1]))))
		}
		v = p
	}
	return &Mask{W: m.w, H: m.h, V: v}, nil
}

// Segment returns the model's raw mask resized to img's size (no smoothing, no feathering).
func (m *Model) Segment(img *image.RGBA) (*Mask, error) {
	small, err := m.Raw(img)
	if err != nil {
		return nil, err
	}
	return ResizeMask(small, img.Rect.Dx(), img.Rect.Dy()), nil
}
