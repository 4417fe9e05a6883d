package upscale

import "image"

// Tile is one piece of a tiled frame: Keep is the part of the output it provides (in input
// pixels), Read the region fed to the model (Keep plus the overlap, clipped to the image).
type Tile struct {
	Keep, Read image.Rectangle
}

// Tiles covers a w×h frame with tiles of size×size (the last row and column may be smaller),
// each read with overlap pixels of context inside the frame. size ≤ 0, or a frame that fits
// in one tile, gives one tile covering everything.
func Tiles(w, h, size, overlap int) []Tile {
	all := image.Rect(0, 0, w, h)
	if size <= 0 || (w <= size && h <= size) {
		return []Tile{{Keep: all, Read: all}}
	}
	overlap = max(overlap, 0)
	var out []Tile
	for y := 0; y < h; y += size {
		for x := 0; x < w; x += size {
			keep := image.Rect(x, y, min(x+size, w), min(y+size, h))
			read := image.Rect(keep.Min.X-overlap, keep.Min.Y-overlap, keep.Max.X+overlap, keep.Max.Y+overlap).Intersect(all)
			out = append(out, Tile{Keep: keep, Read: read})
		}
	}
	return out
}
