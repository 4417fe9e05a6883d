package clip

import (
	"html"
	"strings"
	"unicode"
	"unicode/utf8"
)

// clean is the engine's text cleanup before BPE, following CLIP's basic_clean and
// whitespace_clean with an "ftfy-lite": invalid UTF-8 becomes U+FFFD, HTML entities are
// unescaped twice, curly quotes, Latin ligatures and full-width forms are folded as
// ftfy.fix_text does, control characters are dropped, whitespace runs collapse to one
// space, and the text is trimmed and lowercased. Not done: ftfy's mojibake repair and NFC.
func clean(text string) string {
	text = strings.ToValidUTF8(text, "\uFFFD")
	text = html.UnescapeString(html.UnescapeString(text))
	var b strings.Builder
	b.Grow(len(text))
	space := false
	for _, r := range text {
		if isSpace(r) {
			space = true
			continue
		}
		fold := foldRune(r)
		if fold == "" {
			continue
		}
		if space && b.Len() > 0 {
			b.WriteByte(' ')
		}
		space = false
		b.WriteString(fold)
	}
	return strings.ToLower(b.String())
}

// isSpace matches Python's str.isspace (the \s of CLIP's whitespace_clean).
func isSpace(r rune) bool {
	return unicode.IsSpace(r) || (r >= 0x1c && r <= 0x1f)
}

// ligatures are ftfy's fix_latin_ligatures.
var ligatures = map[rune]string{
	'Ĳ': "IJ", 'ĳ': "ij", 'ŉ': "ʼn", 'Ǆ': "DŽ", 'ǅ': "Dž", 'ǆ': "dž", 'Ǉ': "LJ", 'ǈ': "Lj", 'ǉ': "lj",
	'Ǌ': "NJ", 'ǋ': "Nj", 'ǌ': "nj", 'ﬀ': "ff", 'ﬁ': "fi", 'ﬂ': "fl", 'ﬃ': "ffi", 'ﬄ': "ffl", 'ﬅ': "ſt", 'ﬆ': "st",
}

// foldRune returns r after ftfy's uncurl_quotes, fix_latin_ligatures, fix_character_width
// (full-width ASCII) and remove_control_chars; "" drops it.
func foldRune(r rune) string {
	switch {
	case r == utf8.RuneError:
		return string(r)
	case r == '\u2018' || r == '\u2019' || r == '\u201a' || r == '\u201b' || r == '\u02bc':
		return "'"
	case r == '\u201c' || r == '\u201d' || r == '\u201e' || r == '\u201f':
		return `"`
	case r >= 0xFF01 && r <= 0xFF5E:
		return string(r - 0xFF01 + '!')
	case isControl(r):
		return ""
	}
	if s, ok := ligatures[r]; ok {
		return s
	}
	return string(r)
}

// isControl approximates ftfy's remove_control_chars: C0 and C1 controls other than
// whitespace, DEL, the byte-order mark and interlinear annotation marks are dropped.
func isControl(r rune) bool {
	switch {
	case r < 0x20 && r != '\t' && r != '\n' && r != '\f' && r != '\r':
		return true
	case r == 0x7f:
		return true
	case r >= 0x80 && r <= 0x9f:
		return true
	case r == 0xFEFF || (r >= 0xFFF9 && r <= 0xFFFC):
		return true
	}
	return false
}
