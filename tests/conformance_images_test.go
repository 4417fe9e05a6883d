package tests

import (
	"math"
	"math/rand/v2"
)

// extraSizePatterns are the patterns also run at a model's second and later input sizes (keeps the test short).
var extraSizePatterns = map[string]bool{"black": true, "hgradient": true, "noise": true, "figure-center": true,
	"two-figures": true, "figure-big": true}

// conformancePattern draws one deterministic RGB image (0–255 per channel, HWC) into img.
type conformancePattern struct {
	name string
	draw func(img []int32, h, w int, r *rand.Rand)
}

// conformancePatterns: flat fields, gradients, noise, shapes and stick figures (so that
// keypoint scores and multipose boxes are non-trivial).
var conformancePatterns = []conformancePattern{
	{"black", fill(0, 0, 0)},
	{"white", fill(255, 255, 255)},
	{"gray", fill(128, 128, 128)},
	{"hgradient", func(img []int32, h, w int, _ *rand.Rand) {
		paint(img, h, w, func(y, x int) (int32, int32, int32) { v := int32(255 * x / max(w-1, 1)); return v, v / 2, 255 - v })
	}},
	{"vgradient", func(img []int32, h, w int, _ *rand.Rand) {
		paint(img, h, w, func(y, x int) (int32, int32, int32) { v := int32(255 * y / max(h-1, 1)); return 255 - v, v, v / 3 })
	}},
	{"diagonal", func(img []int32, h, w int, _ *rand.Rand) {
		paint(img, h, w, func(y, x int) (int32, int32, int32) { v := int32(255 * (x + y) / max(w+h-2, 1)); return v, v, v })
	}},
	{"noise", noise(0, 256)},
	{"noise-dark", noise(0, 64)},
	{"noise-mid", noise(96, 160)},
	{"checker8", checker(8)},
	{"checker32", checker(32)},
	{"stripes", func(img []int32, h, w int, _ *rand.Rand) {
		paint(img, h, w, func(y, x int) (int32, int32, int32) { return int32(127 + 127*math.Sin(float64(x+2*y)/5)), 80, 200 })
	}},
	{"circles", func(img []int32, h, w int, r *rand.Rand) {
		fill(30, 60, 90)(img, h, w, r)
		for range 6 {
			cy, cx, rad := r.IntN(h), r.IntN(w), 5+r.IntN(h/4)
			cr, cg, cb := int32(r.IntN(256)), int32(r.IntN(256)), int32(r.IntN(256))
			disc(img, h, w, float64(cy), float64(cx), float64(rad), cr, cg, cb)
		}
	}},
	{"rects", func(img []int32, h, w int, r *rand.Rand) {
		fill(200, 190, 170)(img, h, w, r)
		for range 8 {
			y0, x0 := r.IntN(h), r.IntN(w)
			y1, x1 := min(h, y0+10+r.IntN(h/2)), min(w, x0+10+r.IntN(w/2))
			cr, cg, cb := int32(r.IntN(256)), int32(r.IntN(256)), int32(r.IntN(256))
			paintRect(img, w, y0, x0, y1, x1, cr, cg, cb)
		}
	}},
	{"figure-center", figure(0.5, 0.5, 0.8, 0.0, false)},
	{"figure-left-small", figure(0.55, 0.3, 0.45, 0.6, false)},
	{"figure-right-arms-up", figure(0.5, 0.7, 0.7, -1.2, false)},
	{"figure-noisy", figure(0.5, 0.5, 0.75, 0.3, true)},
	{"figure-low", figure(0.65, 0.45, 0.6, 0.9, false)},
	{"two-figures", func(img []int32, h, w int, r *rand.Rand) {
		figure(0.5, 0.28, 0.6, 0.2, false)(img, h, w, r)
		drawFigure(img, h, w, 0.5, 0.72, 0.6, -0.8)
	}},
	{"low-contrast", noise(120, 136)},
	{"figure-big", figure(0.5, 0.5, 1.0, 0.5, false)},
}

func fill(cr, cg, cb int32) func([]int32, int, int, *rand.Rand) {
	return func(img []int32, h, w int, _ *rand.Rand) {
		paint(img, h, w, func(int, int) (int32, int32, int32) { return cr, cg, cb })
	}
}

func noise(lo, hi int) func([]int32, int, int, *rand.Rand) {
	return func(img []int32, h, w int, r *rand.Rand) {
		for i := range img {
			img[i] = int32(lo + r.IntN(hi-lo))
		}
	}
}

func checker(cell int) func([]int32, int, int, *rand.Rand) {
	return func(img []int32, h, w int, _ *rand.Rand) {
		paint(img, h, w, func(y, x int) (int32, int32, int32) {
			if (y/cell+x/cell)%2 == 0 {
				return 240, 240, 240
			}
			return 20, 20, 20
		})
	}
}

func paint(img []int32, h, w int, f func(y, x int) (int32, int32, int32)) {
	for y := range h {
		for x := range w {
			i := (y*w + x) * 3
			img[i], img[i+1], img[i+2] = f(y, x)
		}
	}
}

func paintRect(img []int32, w, y0, x0, y1, x1 int, cr, cg, cb int32) {
	for y := y0; y < y1; y++ {
		for x := x0; x < x1; x++ {
			i := (y*w + x) * 3
			img[i], img[i+1], img[i+2] = cr, cg, cb
		}
	}
}

func disc(img []int32, h, w int, cy, cx, rad float64, cr, cg, cb int32) {
	for y := max(0, int(cy-rad)); y < min(h, int(cy+rad)+1); y++ {
		for x := max(0, int(cx-rad)); x < min(w, int(cx+rad)+1); x++ {
			if (float64(y)-cy)*(float64(y)-cy)+(float64(x)-cx)*(float64(x)-cx) <= rad*rad {
				i := (y*w + x) * 3
				img[i], img[i+1], img[i+2] = cr, cg, cb
			}
		}
	}
}

// figure draws a background (optionally noisy) and one stick figure.
func figure(cy, cx, scale, arm float64, noisy bool) func([]int32, int, int, *rand.Rand) {
	return func(img []int32, h, w int, r *rand.Rand) {
		if noisy {
			noise(60, 200)(img, h, w, r)
		} else {
			paint(img, h, w, func(y, x int) (int32, int32, int32) { return 90 + int32(40*y/h), 110, 130 })
		}
		drawFigure(img, h, w, cy, cx, scale, arm)
	}
}

// drawFigure renders a person-like stick figure: head, torso, arms (raised by arm radians), legs.
func drawFigure(img []int32, h, w int, cy, cx, scale, arm float64) {
	s := scale * float64(h)
	py, px := cy*float64(h), cx*float64(w)
	pt := func(dy, dx float64) [2]float64 { return [2]float64{py + dy*s, px + dx*s} }
	neck, hip := pt(-0.28, 0), pt(0.05, 0)
	lsh, rsh := pt(-0.26, -0.1), pt(-0.26, 0.1)
	lhip, rhip := pt(0.05, -0.06), pt(0.05, 0.06)
	lel := pt(-0.26+0.16*math.Cos(arm), -0.1-0.16*math.Sin(math.Abs(arm))-0.04)
	rel := pt(-0.26+0.16*math.Cos(arm), 0.1+0.16*math.Sin(math.Abs(arm))+0.04)
	lwr := [2]float64{lel[0] + 0.14*s*math.Cos(arm), lel[1] - 0.06*s}
	rwr := [2]float64{rel[0] + 0.14*s*math.Cos(arm), rel[1] + 0.06*s}
	lkn, rkn := pt(0.25, -0.08), pt(0.25, 0.08)
	lan, ran := pt(0.45, -0.09), pt(0.45, 0.09)
	thick := max(2, s*0.035)
	skin, shirt, pants := [3]int32{224, 172, 140}, [3]int32{200, 40, 40}, [3]int32{40, 50, 140}
	limbs := []struct {
		a, b [2]float64
		c    [3]int32
		t    float64
	}{
		{neck, hip, shirt, thick * 2.2}, {lsh, rsh, shirt, thick * 1.5}, {lhip, rhip, pants, thick * 1.5},
		{lsh, lel, shirt, thick}, {lel, lwr, skin, thick * 0.8}, {rsh, rel, shirt, thick}, {rel, rwr, skin, thick * 0.8},
		{lhip, lkn, pants, thick * 1.2}, {lkn, lan, pants, thick}, {rhip, rkn, pants, thick * 1.2}, {rkn, ran, pants, thick},
	}
	for _, l := range limbs {
		steps := int(math.Hypot(l.b[0]-l.a[0], l.b[1]-l.a[1])) + 1
		for k := 0; k <= steps; k++ {
			f := float64(k) / float64(steps)
			disc(img, h, w, l.a[0]+(l.b[0]-l.a[0])*f, l.a[1]+(l.b[1]-l.a[1])*f, l.t, l.c[0], l.c[1], l.c[2])
		}
	}
	head := pt(-0.38, 0)
	disc(img, h, w, head[0], head[1], s*0.07, skin[0], skin[1], skin[2])
	disc(img, h, w, head[0]-s*0.015, head[1]-s*0.025, s*0.01, 30, 30, 30)
	disc(img, h, w, head[0]-s*0.015, head[1]+s*0.025, s*0.01, 30, 30, 30)
}
