package engine

import (
	"image"
	"image/color"
	"math"
)

// SkeletonEdges are the keypoint pairs drawn as bones (MoveNet/COCO layout).
var SkeletonEdges = [][2]int{
	{0, 1}, {0, 2}, {1, 3}, {2, 4}, {0, 5}, {0, 6}, {5, 7}, {7, 9}, {6, 8}, {8, 10},
	{5, 6}, {5, 11}, {6, 12}, {11, 12}, {11, 13}, {13, 15}, {12, 14}, {14, 16},
}

// fillDisc paints a filled circle of radius r (pixels) centred at (cx, cy).
func fillDisc(img *image.RGBA, cx, cy, r float64, c color.RGBA) {
	b := img.Rect
	x0, x1 := max(int(math.Floor(cx-r)), b.Min.X), min(int(math.Ceil(cx+r)), b.Max.X-1)
	y0, y1 := max(int(math.Floor(cy-r)), b.Min.Y), min(int(math.Ceil(cy+r)), b.Max.Y-1)
	r2 := r * r
	for y := y0; y <= y1; y++ {
		dy := float64(y) + 0.5 - cy
		row := img.Pix[img.PixOffset(0, y)-b.Min.X*4:]
		for x := x0; x <= x1; x++ {
			dx := float64(x) + 0.5 - cx
			if dx*dx+dy*dy <= r2 {
				o := (x - b.Min.X) * 4
				row[o], row[o+1], row[o+2], row[o+3] = c.R, c.G, c.B, c.A
			}
		}
	}
}

// drawLine paints a line of the given width (pixels) with round caps.
func drawLine(img *image.RGBA, x0, y0, x1, y1, width float64, c color.RGBA) {
	n := int(math.Hypot(x1-x0, y1-y0)/math.Max(width/3, 1)) + 1
	for i := 0; i <= n; i++ {
		t := float64(i) / float64(n)
		fillDisc(img, x0+(x1-x0)*t, y0+(y1-y0)*t, width/2, c)
	}
}

// CopyRGBA returns a deep copy of img.
func CopyRGBA(img *image.RGBA) *image.RGBA {
	out := image.NewRGBA(img.Rect)
	copy(out.Pix, img.Pix)
	return out
}

// DrawPose returns a copy of img with the skeletons of people drawn over it;
// keypoints with score below minScore are left out.
func DrawPose(img *image.RGBA, people []Person, minScore float32) *image.RGBA {
	out := CopyRGBA(img)
	w, h := float64(img.Rect.Dx()), float64(img.Rect.Dy())
	lw := math.Max(2, math.Min(w, h)/160)
	bone := color.RGBA{0, 255, 128, 255}
	joint := color.RGBA{255, 64, 64, 255}
	for _, p := range people {
		k := p.Keypoints
		for _, e := range SkeletonEdges {
			a, b := k[e[0]], k[e[1]]
			if a.Score < minScore || b.Score < minScore || a.Score == 0 || b.Score == 0 {
				continue
			}
			drawLine(out, float64(a.X)*w, float64(a.Y)*h, float64(b.X)*w, float64(b.Y)*h, lw, bone)
		}
		for _, kp := range k {
			if kp.Score >= minScore && kp.Score > 0 {
				fillDisc(out, float64(kp.X)*w, float64(kp.Y)*h, lw*1.5, joint)
			}
		}
	}
	return out
}
