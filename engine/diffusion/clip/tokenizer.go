// Package clip is CLIP's byte-level BPE tokenizer (openai/CLIP simple_tokenizer.py,
// transformers CLIPTokenizer), loading the diffusers layout tokenizer/vocab.json + merges.txt.
package clip

import (
	"regexp"
	"strings"
	"sync"
)

// Special tokens of every CLIP vocab.
const (
	StartOfText = "<|startoftext|>"
	EndOfText   = "<|endoftext|>"
	// MaxLength is the context length of SD/SDXL's CLIP text encoders.
	MaxLength = 77
	// maxMerges is how many merges.txt lines CLIP reads (49152 − 256 − 2).
	maxMerges = 49152 - 256 - 2
	// maxCache bounds the per-word BPE cache; it is cleared when full.
	maxCache = 1 << 14
)

// splitRE is CLIP's pre-tokenizer pattern (text is lowercased first, as CLIP does).
var splitRE = regexp.MustCompile(`<\|startoftext\|>|<\|endoftext\|>|'s|'t|'re|'ve|'m|'ll|'d|[\p{L}]+|[\p{N}]|[^\s\p{L}\p{N}]+`)

// Tokenizer turns prompts into CLIP token ids. It is safe for concurrent use.
type Tokenizer struct {
	vocab  map[string]int
	ranks  map[[2]string]int
	BOS    int // <|startoftext|> id (49406 in CLIP's vocab)
	EOS    int // <|endoftext|> id (49407)
	Pad    int // padding id: EOS for SDXL's tokenizer, "!" (0) for tokenizer_2
	Unk    int // id for symbols missing from the vocab (CLIPTokenizer: <|endoftext|>)
	Length int // padded length, MaxLength unless tokenizer_config.json says otherwise
	// padText is the pad token's text when it is not <|endoftext|> (tokenizer_2's "!"):
	// transformers treats it as a special token, split out of the text before BPE.
	padText string
	maxID   int
	mu      sync.Mutex
	cache   map[string][]int
}

// New builds a tokenizer from a vocab (token → id) and merges in rank order, each "a b".
// Pad is EOS; Load reads the pad token from the tokenizer folder.
func New(vocab map[string]int, merges []string) (*Tokenizer, error) {
	t := &Tokenizer{vocab: vocab, ranks: make(map[[2]string]int, len(merges)), Length: MaxLength, cache: map[string][]int{}}
	for i, m := range merges {
		if i >= maxMerges {
			break
		}
		a, b, ok := strings.Cut(m, " ")
		if !ok || a == "" || b == "" || strings.Contains(b, " ") {
			return nil, errorf(ErrMerges, "line %d: %q is not two symbols", i+2, m)
		}
		if _, dup := t.ranks[[2]string{a, b}]; !dup {
			t.ranks[[2]string{a, b}] = i
		}
	}
	var ok bool
	if t.BOS, ok = vocab[StartOfText]; !ok {
		return nil, errorf(ErrVocab, "no %s token", StartOfText)
	}
	if t.EOS, ok = vocab[EndOfText]; !ok {
		return nil, errorf(ErrVocab, "no %s token", EndOfText)
	}
	t.Pad, t.Unk = t.EOS, t.EOS
	for _, id := range vocab {
		if id < 0 {
			return nil, errorf(ErrVocab, "negative id %d", id)
		}
		t.maxID = max(t.maxID, id)
	}
	return t, nil
}

// VocabSize is one more than the largest id: the text encoder's embedding rows.
func (t *Tokenizer) VocabSize() int { return t.maxID + 1 }

// ID returns the id of a vocab token.
func (t *Tokenizer) ID(token string) (int, bool) {
	id, ok := t.vocab[token]
	return id, ok
}

// Encode returns the BPE ids of text, without start/end tokens or padding. A pad token
// other than <|endoftext|> (tokenizer_2's "!") is a special token, as in transformers'
// CLIPTokenizer: each occurrence is cut out of the text first and becomes the pad id,
// so "cat!" is "cat</w>" + "!" (id 0), not "cat</w>" + "!</w>".
func (t *Tokenizer) Encode(text string) []int {
	var ids []int
	text = clean(text)
	special := t.padText != "" && t.padText != EndOfText && t.padText != StartOfText
	for {
		seg, rest, found := text, "", false
		if special {
			seg, rest, found = strings.Cut(text, t.padText)
		}
		for _, word := range splitRE.FindAllString(seg, -1) {
			ids = append(ids, t.word(word)...)
		}
		if !found {
			return ids
		}
		ids = append(ids, t.Pad)
		text = rest
	}
}

// IDs returns exactly Length ids as CLIPTokenizer(padding="max_length", truncation=True)
// does: BOS, at most Length−2 text ids, EOS, then Pad.
func (t *Tokenizer) IDs(text string) []int32 {
	ids := t.Encode(text)
	n := max(t.Length, 2)
	out := make([]int32, 0, n)
	out = append(out, int32(t.BOS))
	for _, id := range ids[:min(len(ids), n-2)] {
		out = append(out, int32(id))
	}
	out = append(out, int32(t.EOS))
	for len(out) < n {
		out = append(out, int32(t.Pad))
	}
	return out
}

// word returns the ids of one pre-token, through the cache.
func (t *Tokenizer) word(w string) []int {
	if w == StartOfText {
		return []int{t.BOS}
	}
	if w == EndOfText {
		return []int{t.EOS}
	}
	t.mu.Lock()
	ids, ok := t.cache[w]
	t.mu.Unlock()
	if ok {
		return ids
	}
	syms := t.bpe(byteEncode(w))
	ids = make([]int, len(syms))
	for i, s := range syms {
		id, ok := t.vocab[s]
		if !ok {
			id = t.Unk
		}
		ids[i] = id
	}
	t.mu.Lock()
	if len(t.cache) >= maxCache {
		clear(t.cache)
	}
	t.cache[w] = ids
	t.mu.Unlock()
	return ids
}

// bpe merges the byte-level symbols of one word, the last one marked "</w>", always
// merging the lowest-ranked adjacent pair (all its occurrences, left to right) until none ranks.
func (t *Tokenizer) bpe(runes []rune) []string {
	word := make([]string, len(runes))
	for i, r := range runes {
		word[i] = string(r)
	}
	word[len(word)-1] += "</w>"
	for len(word) > 1 {
		best, bestRank := [2]string{}, -1
		for i := 0; i+1 < len(word); i++ {
			p := [2]string{word[i], word[i+1]}
			if r, ok := t.ranks[p]; ok && (bestRank < 0 || r < bestRank) {
				best, bestRank = p, r
			}
		}
		if bestRank < 0 {
			break
		}
		merged := word[:0:0]
		for i := 0; i < len(word); {
			if i+1 < len(word) && word[i] == best[0] && word[i+1] == best[1] {
				merged = append(merged, best[0]+best[1])
				i += 2
				continue
			}
			merged = append(merged, word[i])
			i++
		}
		word = merged
	}
	return word
}
