package clip

import "testing"

// BenchmarkIDs tokenizes a typical prompt (warm cache, as for a repeated live prompt).
func BenchmarkIDs(b *testing.B) {
	tok := tiny(b, EndOfText)
	for range b.N {
		tok.IDs("a photo of a cat running in the water, cinematic lighting, 35mm")
	}
}
