package clip

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
)

// tiny loads the tiny vocab written by WriteTinyVocab with the given pad token.
func tiny(t testing.TB, pad string) *Tokenizer {
	t.Helper()
	dir := t.TempDir()
	if err := WriteTinyVocab(dir, pad); err != nil {
		t.Fatal(err)
	}
	tok, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// TestEncodeTiny checks encodings derived by hand from TinyMerges. Ids: byte symbols in CLIP
// order ('!'..'~' are 0..93, so 'a' = 64 and "a</w>" = 256+64 = 320, as in real CLIP), merges
// from 512 in rank order ("photo</w>" is merge 3 → 515), then BOS 526, EOS 527.
func TestEncodeTiny(t *testing.T) {
	tok := tiny(t, EndOfText)
	tests := []struct {
		text string
		want []int
	}{
		{"a photo of a cat", []int{320, 515, 516, 320, 518}},
		// "dogs": d o → "do" (519); "do g" is not a merge (only "do g</w>"), so g (70), s</w> (338).
		{"the dogs", []int{522, 519, 70, 338}},
		// Punctuation and digits are their own pre-tokens; digits split one by one.
		{"Hello, World! 123", []int{71, 68, 75, 75, 334, 267, 86, 78, 81, 75, 323, 256, 272, 273, 274}},
		// i n (rank 11) before in g</w> (rank 12); e r</w> (13).
		{"running water", []int{81, 84, 77, 77, 524, 86, 64, 83, 525}},
		// é is bytes C3 A9 → runes Ã (id 127) and ©</w> (256+102).
		{"é", []int{127, 358}},
		// As transformers 5: HTML entities stay text; a curly apostrophe is its own bytes
		// (E2 80 99 → â, Ģ, Ļ</w>), so "'s" does not split off.
		{"a &lt; b", []int{320, 261, 75, 339, 282, 321}},
		{"it’s", []int{72, 339, 158, 222, 503, 338}},
		// Case, tabs, newlines and runs of spaces are normalized away.
		{"  A\tPHOTO \n\n of a   CAT ", []int{320, 515, 516, 320, 518}},
		// Special tokens in the text are kept whole.
		{"a<|endoftext|>cat", []int{320, 527, 518}},
		{"", nil},
		{"   \t\n", nil},
	}
	for _, tt := range tests {
		if got := tok.Encode(tt.text); !slices.Equal(got, tt.want) {
			t.Errorf("Encode(%q) = %v, want %v", tt.text, got, tt.want)
		}
	}
	if got := tok.VocabSize(); got != 528 {
		t.Errorf("VocabSize = %d, want 528", got)
	}
}

func TestIDsPaddingAndTruncation(t *testing.T) {
	one := tiny(t, EndOfText)
	two := tiny(t, "!")
	got := one.IDs("a cat")
	want := append([]int32{526, 320, 518, 527}, slices.Repeat([]int32{527}, 73)...)
	if !slices.Equal(got, want) {
		t.Errorf("tokenizer 1 IDs = %v, want %v", got, want)
	}
	got = two.IDs("a cat")
	want = append([]int32{526, 320, 518, 527}, slices.Repeat([]int32{0}, 73)...)
	if !slices.Equal(got, want) {
		t.Errorf("tokenizer 2 (pad \"!\") IDs = %v, want %v", got, want)
	}
	long := two.IDs(strings.Repeat("cat ", 200))
	if len(long) != MaxLength || long[0] != 526 || long[76] != 527 || long[75] != 518 {
		t.Errorf("truncated IDs = %v: want BOS, 75 × cat, EOS", long)
	}
	if empty := one.IDs(""); empty[0] != 526 || empty[1] != 527 || len(empty) != 77 {
		t.Errorf("empty IDs = %v", empty)
	}
}

func TestLoadErrors(t *testing.T) {
	write := func(t *testing.T, files map[string]string) string {
		dir := t.TempDir()
		if err := WriteTinyVocab(dir, EndOfText); err != nil {
			t.Fatal(err)
		}
		for name, body := range files {
			p := filepath.Join(dir, name)
			if body == "" {
				os.Remove(p)
				continue
			}
			if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		return dir
	}
	tests := []struct {
		name  string
		files map[string]string
		want  string
	}{
		{"no vocab", map[string]string{"vocab.json": ""}, "invalid clip vocab: open "},
		{"no merges", map[string]string{"merges.txt": ""}, "invalid clip merges: open "},
		{"bad json", map[string]string{"vocab.json": "{"}, "invalid clip vocab: "},
		{"no bos", map[string]string{"vocab.json": `{"<|endoftext|>": 1}`}, "invalid clip vocab: no <|startoftext|> token"},
		{"bad merge", map[string]string{"merges.txt": "#version: 0.2\na b c\n"}, `invalid clip merges: line 2: "a b c" is not two symbols`},
		{"unknown pad", map[string]string{"tokenizer_config.json": `{"pad_token": "zzz"}`},
			`invalid clip vocab: tokenizer_config.json: token "zzz" is not in vocab.json`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Load(write(t, tt.files))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Load: %v, want error containing %q", err, tt.want)
			}
		})
	}
}

// TestSpecialFiles: pad given as an object in special_tokens_map.json, overridden by
// tokenizer_config.json; model_max_length honoured.
func TestSpecialFiles(t *testing.T) {
	dir := t.TempDir()
	if err := WriteTinyVocab(dir, EndOfText); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(dir, "special_tokens_map.json"), []byte(`{"pad_token": {"content": "!", "lstrip": false}}`), 0o644)
	os.Remove(filepath.Join(dir, "tokenizer_config.json"))
	tok, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	if tok.Pad != 0 {
		t.Errorf("pad = %d, want 0 (\"!\")", tok.Pad)
	}
	os.WriteFile(filepath.Join(dir, "tokenizer_config.json"), []byte(`{"pad_token": "<|endoftext|>", "model_max_length": 16}`), 0o644)
	if tok, err = Load(dir); err != nil {
		t.Fatal(err)
	}
	if tok.Pad != 527 || len(tok.IDs("a cat")) != 16 {
		t.Errorf("pad = %d, len = %d; want 527, 16", tok.Pad, len(tok.IDs("a cat")))
	}
}

// TestConcurrent exercises the shared cache under -race.
func TestConcurrent(t *testing.T) {
	tok := tiny(t, EndOfText)
	want := tok.IDs("a photo of a cat running")
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 200 {
				if got := tok.IDs("a photo of a cat running"); !slices.Equal(got, want) {
					t.Error("concurrent IDs differ")
					return
				}
			}
		})
	}
	wg.Wait()
}

func TestBuildVocabLayout(t *testing.T) {
	v := BuildVocab(nil)
	if len(v) != 514 || v["!"] != 0 || v["a</w>"] != 320 || v[StartOfText] != 512 || v[EndOfText] != 513 {
		t.Errorf("layout: len %d, ! %d, a</w> %d, bos %d, eos %d", len(v), v["!"], v["a</w>"], v[StartOfText], v[EndOfText])
	}
	// Ā (U+0100) is byte 0, the first non-printable byte: id 188.
	if v["Ā"] != 188 {
		t.Errorf("Ā = %d, want 188", v["Ā"])
	}
}
