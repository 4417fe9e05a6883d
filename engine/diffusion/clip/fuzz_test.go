package clip

import (
	"testing"
	"unicode/utf8"
)

// FuzzIDs: any bytes (valid UTF-8 or not) tokenize without panicking to exactly 77 ids that
// start with BOS, contain EOS and stay inside the vocab.
func FuzzIDs(f *testing.F) {
	for _, s := range []string{"a photo of a cat", "", "<|startoftext|><|endoftext|>", "\xff\xfe\xc3", "&amp;&#x41;&lt;",
		"ﬁ “quoted” ＡＢＣ", "日本語のテキスト", "👩‍👩‍👧‍👦", "it's we'll they'd", "\x00\x1f\u0085\u2028"} {
		f.Add(s)
	}
	tok := tiny(f, "!")
	f.Fuzz(func(t *testing.T, s string) {
		ids := tok.IDs(s)
		if len(ids) != MaxLength || ids[0] != int32(tok.BOS) {
			t.Fatalf("IDs(%q) = %v", s, ids)
		}
		hasEOS := false
		for _, id := range ids {
			if id < 0 || int(id) >= tok.VocabSize() {
				t.Fatalf("IDs(%q): id %d outside the vocab", s, id)
			}
			hasEOS = hasEOS || id == int32(tok.EOS)
		}
		if !hasEOS {
			t.Fatalf("IDs(%q) has no EOS: %v", s, ids)
		}
		if c := clean(s); !utf8.ValidString(c) {
			t.Fatalf("clean(%q) = %q is not valid UTF-8", s, c)
		}
	})
}
