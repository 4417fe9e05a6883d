package clip

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// TinyMerges is the merge list of the tiny test vocab: enough to make "a photo of a cat"
// and a few other words whole tokens, so tiny-model prompts tokenize like real ones.
var TinyMerges = []string{
	"p h", "o t", "ph ot", "phot o</w>", "o f</w>", "c a", "ca t</w>",
	"d o", "do g</w>", "t h", "th e</w>", "i n", "in g</w>", "e r</w>",
}

// WriteTinyVocab writes a small valid diffusers tokenizer folder (vocab.json, merges.txt,
// special_tokens_map.json, tokenizer_config.json) to dir, padding with pad
// (EndOfText as SDXL's tokenizer does, or "!" as tokenizer_2). Ids are dense: VocabSize is 528.
func WriteTinyVocab(dir, pad string) error {
	vocab := BuildVocab(TinyMerges)
	if _, ok := vocab[pad]; !ok {
		return fmt.Errorf("%w: pad token %q is not in the tiny vocab", ErrVocab, pad)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	special := map[string]any{
		"bos_token": StartOfText, "eos_token": EndOfText, "unk_token": EndOfText, "pad_token": pad,
	}
	config := map[string]any{
		"bos_token": StartOfText, "eos_token": EndOfText, "unk_token": EndOfText, "pad_token": pad,
		"model_max_length": MaxLength, "do_lower_case": true, "tokenizer_class": "CLIPTokenizer",
	}
	files := map[string]any{"vocab.json": vocab, "special_tokens_map.json": special, "tokenizer_config.json": config}
	for name, v := range files {
		data, err := json.MarshalIndent(v, "", "  ")
		if err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(dir, name), append(data, '\n'), 0o644); err != nil {
			return err
		}
	}
	merges := "#version: 0.2\n" + strings.Join(TinyMerges, "\n") + "\n"
	return os.WriteFile(filepath.Join(dir, "merges.txt"), []byte(merges), 0o644)
}
