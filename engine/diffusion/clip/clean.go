package clip

import (
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

// clean is the text normalization of transformers' CLIPTokenizer (v5, the tokenizers
// backend: NFC, every whitespace run → one space, lowercase), checked against it on
// ~220 prompts (TestTransformersGoldens). Invalid UTF-8 becomes U+FFFD (Python strings
// cannot hold it). Control characters, HTML entities, ligatures and full-width forms are
// kept as they are: the byte-level BPE encodes them. (openai/CLIP and transformers v4
// with ftfy installed also ran ftfy.fix_text and html.unescape; diffusers on
// transformers 5 does not.)
func clean(text string) string {
	text = norm.NFC.String(strings.ToValidUTF8(text, "\uFFFD"))
	var b strings.Builder
	b.Grow(len(text))
	space := false
	for _, r := range text {
		if unicode.IsSpace(r) { // Unicode White_Space, the \s of the normalizer's regex
			space = true
			continue
		}
		if space && b.Len() > 0 {
			b.WriteByte(' ')
		}
		space = false
		writeLower(&b, r)
	}
	return b.String()
}

// writeLower writes Rust's char::to_lowercase of r: Go's simple mapping, plus the one
// unconditional multi-rune lowercase of Unicode's SpecialCasing (İ → i + U+0307).
func writeLower(b *strings.Builder, r rune) {
	if r == 'İ' {
		b.WriteString("i\u0307")
		return
	}
	b.WriteRune(unicode.ToLower(r))
}
