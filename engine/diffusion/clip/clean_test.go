package clip

import "testing"

func TestClean(t *testing.T) {
	tests := []struct{ in, want string }{
		{"  A  Photo\tOF\n a CAT  ", "a photo of a cat"},
		{"fish &amp; chips &lt;3", "fish &amp; chips &lt;3"},
		{"ﬁne ǅ", "ﬁne ǆ"},
		{"ＡＢＣ１２３！", "ａｂｃ１２３！"},
		{"e\u0301", "\u00e9"},
		{"İstanbul", "i\u0307stanbul"},
		{"a\x00b\x7fc\u0085d", "a\x00b\x7fc d"},
		{"bad \xff byte", "bad \uFFFD byte"},
		{"\u3000wide\u00a0space\u2028", "wide space"},
	}
	for _, tt := range tests {
		if got := clean(tt.in); got != tt.want {
			t.Errorf("clean(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
