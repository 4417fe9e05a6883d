package clip

// byteRunes maps each byte to the printable rune CLIP's byte-level BPE uses for it
// (simple_tokenizer.py bytes_to_unicode): printable Latin-1 bytes map to themselves,
// the other 68 to U+0100 upward, in byte order.
var byteRunes = func() [256]rune {
	var m [256]rune
	printable := func(b int) bool {
		return (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF)
	}
	n := 0
	for b := range 256 {
		if printable(b) {
			m[b] = rune(b)
		} else {
			m[b] = rune(256 + n)
			n++
		}
	}
	return m
}()

// byteOrder is the order of the 256 base symbols in CLIP's vocab: printable bytes first,
// then the rest (vocab ids 0..255, and 256..511 with "</w>").
var byteOrder = func() [256]byte {
	var o [256]byte
	i := 0
	for pass := range 2 {
		for b := range 256 {
			if (byteRunes[b] == rune(b)) == (pass == 0) {
				o[i] = byte(b)
				i++
			}
		}
	}
	return o
}()

// byteEncode maps the UTF-8 bytes of s to their byte-level runes.
func byteEncode(s string) []rune {
	out := make([]rune, len(s))
	for i := 0; i < len(s); i++ {
		out[i] = byteRunes[s[i]]
	}
	return out
}
