package clip

import (
	"os"
	"slices"
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
