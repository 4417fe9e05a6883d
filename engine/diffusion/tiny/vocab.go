package tiny

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// CLIP's special tokens keep their real ids so the pipeline sees real BOS/EOS values.
const (
	bosID = 49406
	eosID = 49407
)

// tinyMerges are a few BPE merges in CLIP's merges.txt format (rank = line order).
var tinyMerges = []string{
	"t h", "i n", "e r", "a n", "o n", "r e", "th e</w>", "a r", "e n", "o r",
	"a t", "i s</w>", "an d</w>", "o f</w>", "c o", "l o", "p a", "co l", "col or", "i n</w>",
}

// byteUnicode is CLIP's bytes_to_unicode table in its own order.
func byteUnicode() []rune {
	var bs []int
	for b := '!'; b <= '~'; b++ {
		bs = append(bs, int(b))
	}
	for b := 0xa1; b <= 0xac; b++ {
		bs = append(bs, b)
	}
	for b := 0xae; b <= 0xff; b++ {
		bs = append(bs, b)
	}
	in := map[int]bool{}
	for _, b := range bs {
		in[b] = true
	}
	cs := make([]rune, len(bs))
	for i, b := range bs {
		cs[i] = rune(b)
	}
	n := 0
	for b := range 256 {
		if !in[b] {
			cs = append(cs, rune(256+n))
			n++
		}
	}
	return cs
}

// writeTokenizer writes vocab.json, merges.txt and the tokenizer configs of a small
// CLIP vocabulary (all bytes, the merges above, BOS/EOS); pad is the padding token.
func writeTokenizer(dir, pad string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	vocab := map[string]int{}
	chars := byteUnicode()
	for i, c := range chars {
		vocab[string(c)] = i
		vocab[string(c)+"</w>"] = len(chars) + i
	}
	next := 2 * len(chars)
	for _, m := range tinyMerges {
		tok := strings.ReplaceAll(m, " ", "")
		if _, ok := vocab[tok]; !ok {
			vocab[tok] = next
			next++
		}
	}
	vocab["<|startoftext|>"] = bosID
	vocab["<|endoftext|>"] = eosID
	vb, err := json.Marshal(vocab) // map keys are sorted: deterministic
	if err != nil {
		return err
	}
	merges := "#version: 0.2\n" + strings.Join(tinyMerges, "\n") + "\n"
	cfg := fmt.Sprintf(`{"model_max_length": 77, "bos_token": "<|startoftext|>", "eos_token": "<|endoftext|>", "unk_token": "<|endoftext|>", "pad_token": %q, "do_lower_case": true, "tokenizer_class": "CLIPTokenizer"}`+"\n", pad)
	special := fmt.Sprintf(`{"bos_token": "<|startoftext|>", "eos_token": "<|endoftext|>", "unk_token": "<|endoftext|>", "pad_token": %q}`+"\n", pad)
	files := map[string][]byte{
		"vocab.json":              vb,
		"merges.txt":              []byte(merges),
		"tokenizer_config.json":   []byte(cfg),
		"special_tokens_map.json": []byte(special),
	}
	for name, b := range files {
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
			return err
		}
	}
	return nil
}
