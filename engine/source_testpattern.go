package engine

import (
	"context"
	"image"
	"image/color"
	"math"
	"time"
)

// TestPattern is the default source: a drawn stick figure with a filled head and
// thick limbs that walks and waves over a moving gradient. It is a drawing, not a
// photo: MoveNet finds it with modest confidence at best (see docs/pose.md).
type TestPattern struct {
	Width, Height int
	FPS           float64
}

// Name implements Source.
func (t *TestPattern) Name() string { return "testpattern" }

// Run implements Source; it never ends on its own.
func (t *TestPattern) Run(ctx context.Context, emit func(*image.RGBA, time.Time)) error {
	w, h := t.Width, t.Height
	if w <= 0 || h <= 0 {
		w, h = 640, 480
	}
	p := newPacer(t.FPS)
	start := time.Now()
	for p.wait(ctx) {
		now := time.Now()
		emit(DrawTestPattern(w, h, now.Sub(start).Seconds()), now)
	}
	return ctx.Err()
}

// figure joints in units of the figure height, origin at the hip centre.
type joint struct{ x, y float64 }

// DrawTestPattern renders the test pattern at time t seconds.
func DrawTestPattern(w, h int, t float64) *image.RGBA {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	// Background: slowly moving vertical gradient with a band, so motion is visible.
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			v := 40 + 30*math.Sin(float64(x)/float64(w)*2*math.Pi+t*0.7)
			o := img.PixOffset(x, y)
			img.Pix[o], img.Pix[o+1], img.Pix[o+2], img.Pix[o+3] = uint8(v), uint8(v+10), uint8(v+25+float64(y)*40/float64(h)), 255
		}
	}
	size := 0.85 * float64(h) // figure height in pixels
	cx := float64(w)/2 + math.Sin(t*0.4)*float64(w)*0.2
	cy := float64(h)*0.5 + size*0.02
	wave := math.Sin(t * 2.5)
	swing := math.Sin(t*1.6) * 0.12
	at := func(j joint) (float64, float64) { return cx + j.x*size, cy + j.y*size }

	neck := joint{0, -0.30}
	head := joint{0, -0.40}
	ls, rs := joint{0.10, -0.28}, joint{-0.10, -0.28} // the figure faces the viewer: its left is image right
	lh, rh := joint{0.06, 0.0}, joint{-0.06, 0.0}
	le := joint{0.16, -0.28 + 0.14}
	re := joint{-0.16 - 0.04*wave, -0.28 + 0.02 - 0.08*wave}
	lw := joint{0.18, -0.28 + 0.28}
	rw := joint{-0.22 - 0.06*wave, -0.28 - 0.10 - 0.14*wave}
	lk, rk := joint{0.07 + swing*0.5, 0.24}, joint{-0.07 - swing*0.5, 0.24}
	la, ra := joint{0.08 + swing, 0.48}, joint{-0.08 - swing, 0.48}

	skin := color.RGBA{225, 180, 150, 255}
	shirt := color.RGBA{200, 60, 50, 255}
	pants := color.RGBA{40, 60, 140, 255}
	limb := func(a, b joint, wd float64, c color.RGBA) {
		x0, y0 := at(a)
		x1, y1 := at(b)
		drawLine(img, x0, y0, x1, y1, wd*size, c)
	}
	// Legs, torso, arms, head.
	limb(lh, lk, 0.07, pants)
	limb(lk, la, 0.06, pants)
	limb(rh, rk, 0.07, pants)
	limb(rk, ra, 0.06, pants)
	for _, f := range []float64{-0.07, -0.035, 0, 0.035, 0.07} {
		limb(joint{f, -0.27}, joint{f * 0.8, 0.0}, 0.06, shirt)
	}
	limb(ls, le, 0.05, shirt)
	limb(le, lw, 0.04, skin)
	limb(rs, re, 0.05, shirt)
	limb(re, rw, 0.04, skin)
	limb(neck, head, 0.05, skin)
	hx, hy := at(head)
	fillDisc(img, hx, hy-0.02*size, 0.075*size, color.RGBA{60, 40, 20, 255}) // hair
	fillDisc(img, hx, hy+0.005*size, 0.068*size, skin)
	eye := color.RGBA{30, 30, 30, 255}
	fillDisc(img, hx+0.028*size, hy-0.005*size, 0.010*size, eye)
	fillDisc(img, hx-0.028*size, hy-0.005*size, 0.010*size, eye)
	fillDisc(img, hx, hy+0.02*size, 0.008*size, color.RGBA{190, 120, 100, 255})
	limb(joint{-0.02, -0.36}, joint{0.02, -0.36}, 0.008, color.RGBA{150, 60, 60, 255})
	return img
}
