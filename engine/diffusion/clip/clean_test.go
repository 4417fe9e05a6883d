package clip

import "testing"

func TestClean(t *testing.T) {
	tests := []struct{ in, want string }{
		{"  A  Photo\tOF\n a CAT  ", "a photo of a cat"},
		{"fish &amp;amp; chips &lt;3", "fish & chips <3"},
		{"“Quoted” ‘single’", `"quoted" 'single'`},
		{"ﬁne ﬂower", "fine flower"},
		{"ＡＢＣ１２３！", "abc123!"},
		{"a\x00b\x7fc\u0085d", "abc d"},
		{"bad \xff byte", "bad \uFFFD byte"},
		{"\u3000wide\u00a0space\u2028", "wide space"},
	}
	for _, tt := range tests {
		if got := clean(tt.in); got != tt.want {
			t.Errorf("clean(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
