// Package upscale runs ESRGAN super-resolution models (@upscalerjs esrgan-slim/medium/thick,
// converted to ONNX) on any backend of the inference contract, tiling large frames with overlap.
package upscale

import (
	"fmt"
	"image"
	"math"

	"github.com/vivid-ml/vivid-ml-engine/engine/infer"
)

// Defaults for tiling: tiles of 128×128 input pixels, each read with 16 more on every side
// that is not an image edge (the seam-free margin; the overlap is cut off, not blended).
const (
	DefaultTile    = 128
	DefaultOverlap = 16
)

// Upscaler is one ESRGAN model. Range is the model's pixel range (255 for slim and medium,
// 1 for thick): input bytes are scaled to it and output is scaled back.
type Upscaler struct {
	m     infer.Model
	scale int
	rng   float32
	// Tile and Overlap are in input pixels; Tile 0 runs the whole frame at once.
	Tile, Overlap int
	bufs          map[[2]int][2]*infer.Tensor // by tile w, h: input, output
}

// Open opens the model at path on backend b; scale is its factor (2, 3, 4, 8).
func Open(b infer.Backend, path string, scale int, inputRange float32) (*Upscaler, error) {
	if scale < 1 || inputRange <= 0 {
		return nil, fmt.Errorf("upscale: scale %d and range %v must be positive", scale, inputRange)
	}
	m, err := b.Open(infer.Spec{Path: path, Name: "upscale"})
	if err != nil {
		return nil, err
	}
	ins, outs := m.Inputs(), m.Outputs()
	if len(ins) != 1 || len(outs) != 1 || ins[0].Elem != infer.Float32 || outs[0].Elem != infer.Float32 ||
		len(ins[0].Shape) != 4 || len(outs[0].Shape) != 4 || ins[0].Shape[3] != 3 {
		m.Close()
		return nil, fmt.Errorf("%w: %s: %v → %v", ErrNotUpscaler, path, ins, outs)
	}
	return &Upscaler{m: m, scale: scale, rng: inputRange, Tile: DefaultTile, Overlap: DefaultOverlap,
		bufs: map[[2]int][2]*infer.Tensor{}}, nil
}

// Scale is the model's factor.
func (u *Upscaler) Scale() int { return u.scale }

// Provider names what runs the model.
func (u *Upscaler) Provider() string { return u.m.Provider() }

// Close releases the model.
func (u *Upscaler) Close() error {
	if u.m == nil {
		return nil
	}
	err := u.m.Close()
	u.m = nil
	return err
}

// Upscale returns img scaled by Scale as RGBA (alpha 255), pixels rounded to 8 bits.
func (u *Upscaler) Upscale(img *image.RGBA) (*image.RGBA, error) {
	raw, w, h, err := u.Raw(img)
	if err != nil {
		return nil, err
	}
	return ToRGBA(raw, w, h), nil
}

// ToRGBA rounds an NHWC RGB float32 frame in 0..1 to 8-bit RGBA (clamped; alpha 255).
func ToRGBA(raw []float32, w, h int) *image.RGBA {
	out := image.NewRGBA(image.Rect(0, 0, w, h))
	for i := range w * h {
		for c := range 3 {
			out.Pix[4*i+c] = uint8(math.Round(float64(min(max(raw[3*i+c], 0), 1)) * 255))
		}
		out.Pix[4*i+3] = 255
	}
	return out
}

// Raw returns the upscaled frame as NHWC RGB float32 in 0..1 (the model's output divided by
// Range, not clamped) and its size. Each tile's model input is the tile plus Overlap pixels of
// context on every inner side; only the tile's own pixels of the output are kept.
func (u *Upscaler) Raw(img *image.RGBA) ([]float32, int, int, error) {
	sw, sh := img.Rect.Dx(), img.Rect.Dy()
	if u.m == nil {
		return nil, 0, 0, ErrClosed
	}
	if sw == 0 || sh == 0 {
		return nil, 0, 0, fmt.Errorf("upscale: empty image")
	}
	s := u.scale
	ow, oh := sw*s, sh*s
	out := make([]float32, ow*oh*3)
	for _, t := range Tiles(sw, sh, u.Tile, u.Overlap) {
		res, err := u.run(img, t.Read)
		if err != nil {
			return nil, 0, 0, err
		}
		rw := t.Read.Dx() * s
		for y := t.Keep.Min.Y * s; y < t.Keep.Max.Y*s; y++ {
			ry := y - t.Read.Min.Y*s
			src := res[(ry*rw+(t.Keep.Min.X-t.Read.Min.X)*s)*3:]
			copy(out[(y*ow+t.Keep.Min.X*s)*3:(y*ow+t.Keep.Max.X*s)*3], src[:t.Keep.Dx()*s*3])
		}
	}
	return out, ow, oh, nil
}

// run upscales the region r of img and returns the output tensor's data divided by the range.
func (u *Upscaler) run(img *image.RGBA, r image.Rectangle) ([]float32, error) {
	w, h := r.Dx(), r.Dy()
	key := [2]int{w, h}
	b, ok := u.bufs[key]
	if !ok {
		in, err := infer.NewTensor(infer.Float32, 1, int64(h), int64(w), 3)
		if err != nil {
			return nil, err
		}
		out, err := infer.NewTensor(infer.Float32, 1, int64(h*u.scale), int64(w*u.scale), 3)
		if err != nil {
			return nil, err
		}
		b = [2]*infer.Tensor{in, out}
		if len(u.bufs) > 16 {
			clear(u.bufs)
		}
		u.bufs[key] = b
	}
	k := u.rng / 255
	for y := range h {
		row := img.Pix[(r.Min.Y+y)*img.Stride+4*r.Min.X:]
		for x := range w {
			for c := range 3 {
				b[0].F32[(y*w+x)*3+c] = float32(row[4*x+c]) * k
			}
		}
	}
	if err := u.m.Run([]*infer.Tensor{b[0]}, []*infer.Tensor{b[1]}); err != nil {
		return nil, fmt.Errorf("upscale: %w", err)
	}
	res := b[1].F32
	if u.rng != 1 {
		for i := range res {
			res[i] /= u.rng
		}
	}
	return res, nil
}

// ModelName is the model store name of an ESRGAN model at a scale (e.g. esrgan-slim-x2)
// and its pixel range (255 for slim and medium, 1 for thick).
func ModelName(model string, scale int) (string, float32, error) {
	var rng float32
	switch model {
	case "esrgan-slim", "esrgan-medium":
		rng = 255
	case "esrgan-thick":
		rng = 1
	default:
		return "", 0, fmt.Errorf("unknown upscaling model %q (esrgan-slim, esrgan-medium or esrgan-thick)", model)
	}
	switch scale {
	case 2, 3, 4, 8:
	default:
		return "", 0, fmt.Errorf("scale %d not available (2, 3, 4 or 8)", scale)
	}
	return fmt.Sprintf("%s-x%d", model, scale), rng, nil
}
