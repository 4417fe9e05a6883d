package clip

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// TestRealCLIP checks published CLIPTokenizer encodings against the real vocab, when one is
// given: $VIVID_CLIP_BPE (bpe_simple_vocab_16e6.txt[.gz]) or $VIVID_CLIP_TOKENIZER (a
// diffusers tokenizer folder). The real files are not shipped with the repository.
func TestRealCLIP(t *testing.T) {
	var tok *Tokenizer
	var err error
	switch {
	case os.Getenv("VIVID_CLIP_BPE") != "":
		tok, err = LoadBPE(os.Getenv("VIVID_CLIP_BPE"))
	case os.Getenv("VIVID_CLIP_TOKENIZER") != "":
		tok, err = Load(os.Getenv("VIVID_CLIP_TOKENIZER"))
	default:
		t.Skip("set VIVID_CLIP_BPE or VIVID_CLIP_TOKENIZER to a real CLIP vocab")
	}
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		text string
		want []int32
	}{
		// openai/CLIP README, many CLIP ports' tests.
		{"a photo of a cat", []int32{49406, 320, 1125, 539, 320, 2368, 49407}},
		{"a diagram", []int32{49406, 320, 22697, 49407}},
		{"a dog", []int32{49406, 320, 1929, 49407}},
		{"the black dog", []int32{49406, 518, 1449, 1929, 49407}},
		// apple/ml-stable-diffusion swift tests (checked against transformers' CLIPTokenizer).
		{"a photo of an astronaut riding a horse on mars", []int32{49406, 320, 1125, 539, 550, 18376, 6765, 320, 4558, 525, 7496, 49407}},
		{"Apple CoreML developer tools on a Macbook Air are fast", []int32{49406, 3055, 19622, 5780, 10929, 5771, 525, 320, 20617, 1922, 631, 1953, 49407}},
		{"Hello, World! 123", []int32{49406, 3306, 267, 1002, 256, 272, 273, 274, 49407}},
		// Case and whitespace are normalized away.
		{"  A   PHOTO\tof a\ncat ", []int32{49406, 320, 1125, 539, 320, 2368, 49407}},
	}
	if path := os.Getenv("VIVID_CLIP_BPE"); path != "" {
		tok = asDiffusersFolder(t, path)
		if tok.Pad != 0 {
			t.Fatalf("tokenizer_2 folder pads with %d, want 0", tok.Pad)
		}
		tok.Pad = tok.EOS // the published examples are tokenizer 1's padding
	}
	for _, tt := range tests {
		got := tok.IDs(tt.text)
		if !slices.Equal(got[:len(tt.want)], tt.want) {
			t.Errorf("IDs(%q) = %v, want %v", tt.text, got[:len(tt.want)+1], tt.want)
		}
		for _, p := range got[len(tt.want):] {
			if p != 49407 {
				t.Fatalf("IDs(%q) pads with %d, want 49407", tt.text, p)
			}
		}
	}
}

// asDiffusersFolder writes the real merges as a diffusers tokenizer_2 folder (vocab.json,
// merges.txt, pad "!") and loads it back through Load.
func asDiffusersFolder(t *testing.T, bpe string) *Tokenizer {
	t.Helper()
	ref, err := LoadBPE(bpe)
	if err != nil {
		t.Fatal(err)
	}
	merges := make([]string, len(ref.ranks))
	for p, r := range ref.ranks {
		merges[r] = p[0] + " " + p[1]
	}
	dir := t.TempDir()
	vocab, _ := json.Marshal(ref.vocab)
	os.WriteFile(filepath.Join(dir, "vocab.json"), vocab, 0o644)
	os.WriteFile(filepath.Join(dir, "merges.txt"), []byte("#version: 0.2\n"+strings.Join(merges, "\n")+"\n"), 0o644)
	os.WriteFile(filepath.Join(dir, "special_tokens_map.json"), []byte(`{"pad_token": "!"}`), 0o644)
	tok, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(tok.ranks) != 48894 || tok.VocabSize() != 49408 || tok.BOS != 49406 || tok.EOS != 49407 {
		t.Fatalf("real vocab: %d merges, size %d, bos %d, eos %d", len(tok.ranks), tok.VocabSize(), tok.BOS, tok.EOS)
	}
	return tok
}
