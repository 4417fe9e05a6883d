package clip

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

func errorf(sentinel error, format string, args ...any) error {
	return fmt.Errorf("%w: %s", sentinel, fmt.Sprintf(format, args...))
}

// Load reads a diffusers tokenizer folder: vocab.json and merges.txt, and the pad token and
// model_max_length from special_tokens_map.json / tokenizer_config.json when present.
func Load(dir string) (*Tokenizer, error) {
	vdata, err := os.ReadFile(filepath.Join(dir, "vocab.json"))
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrVocab, err)
	}
	var vocab map[string]int
	if err := json.Unmarshal(vdata, &vocab); err != nil {
		return nil, fmt.Errorf("%w: %s: %w", ErrVocab, filepath.Join(dir, "vocab.json"), err)
	}
	mdata, err := os.ReadFile(filepath.Join(dir, "merges.txt"))
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrMerges, err)
	}
	t, err := New(vocab, mergeLines(mdata))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", dir, err)
	}
	if err := t.readSpecial(dir); err != nil {
		return nil, fmt.Errorf("%s: %w", dir, err)
	}
	return t, nil
}

// mergeLines drops the "#version" header and blank lines of merges.txt / bpe_simple_vocab.
func mergeLines(data []byte) []string {
	var out []string
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 0, 64*1024), 1<<20)
	first := true
	for sc.Scan() {
		line := strings.TrimRight(sc.Text(), "\r")
		if first {
			first = false
			if strings.HasPrefix(line, "#") || strings.Contains(line, "bpe_simple_vocab") {
				continue
			}
		}
		if strings.TrimSpace(line) == "" {
			continue
		}
		out = append(out, line)
	}
	return out
}

// specialFile is the part of special_tokens_map.json / tokenizer_config.json read here.
type specialFile struct {
	PadToken       json.RawMessage `json:"pad_token"`
	UnkToken       json.RawMessage `json:"unk_token"`
	ModelMaxLength float64         `json:"model_max_length"`
}

// readSpecial applies pad_token, unk_token and model_max_length; tokenizer_config.json wins
// over special_tokens_map.json, as transformers loads them.
func (t *Tokenizer) readSpecial(dir string) error {
	for _, name := range []string{"special_tokens_map.json", "tokenizer_config.json"} {
		data, err := os.ReadFile(filepath.Join(dir, name))
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return err
		}
		var f specialFile
		if err := json.Unmarshal(data, &f); err != nil {
			return fmt.Errorf("%w: %s: %w", ErrVocab, name, err)
		}
		for _, tk := range []struct {
			raw  json.RawMessage
			dst  *int
			text *string
		}{{f.PadToken, &t.Pad, &t.padText}, {f.UnkToken, &t.Unk, nil}} {
			s, err := tokenContent(tk.raw)
			if err != nil {
				return fmt.Errorf("%w: %s: %w", ErrVocab, name, err)
			}
			if s == "" {
				continue
			}
			id, ok := t.vocab[s]
			if !ok {
				return errorf(ErrVocab, "%s: token %q is not in vocab.json", name, s)
			}
			*tk.dst = id
			if tk.text != nil {
				*tk.text = s
			}
		}
		if f.ModelMaxLength >= 2 && f.ModelMaxLength <= 4096 {
			t.Length = int(f.ModelMaxLength)
		}
	}
	return nil
}

// tokenContent reads a token given as a string or as {"content": "…"}; null gives "".
func tokenContent(raw json.RawMessage) (string, error) {
	if len(raw) == 0 || string(raw) == "null" {
		return "", nil
	}
	var s string
	if err := json.Unmarshal(raw, &s); err == nil {
		return s, nil
	}
	var o struct {
		Content string `json:"content"`
	}
	if err := json.Unmarshal(raw, &o); err != nil {
		return "", err
	}
	return o.Content, nil
}

// LoadBPE builds CLIP's tokenizer from OpenAI's bpe_simple_vocab_16e6.txt(.gz): the vocab
// is the 256 byte symbols, the same with "</w>", one entry per merge, then the two specials.
func LoadBPE(path string) (*Tokenizer, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrMerges, err)
	}
	if bytes.HasPrefix(data, []byte{0x1f, 0x8b}) {
		zr, err := gzip.NewReader(bytes.NewReader(data))
		if err != nil {
			return nil, fmt.Errorf("%w: %s: %w", ErrMerges, path, err)
		}
		var buf bytes.Buffer
		if _, err := buf.ReadFrom(zr); err != nil {
			return nil, fmt.Errorf("%w: %s: %w", ErrMerges, path, err)
		}
		data = buf.Bytes()
	}
	merges := mergeLines(data)
	if len(merges) > maxMerges {
		merges = merges[:maxMerges]
	}
	return New(BuildVocab(merges), merges)
}

// BuildVocab lays out a CLIP vocab for merges in rank order: ids 0–255 the byte symbols,
// 256–511 the same with "</w>", then one id per merge, then <|startoftext|>, <|endoftext|>.
func BuildVocab(merges []string) map[string]int {
	vocab := make(map[string]int, 512+len(merges)+2)
	for i, b := range byteOrder {
		vocab[string(byteRunes[b])] = i
		vocab[string(byteRunes[b])+"</w>"] = 256 + i
	}
	for i, m := range merges {
		vocab[strings.Replace(m, " ", "", 1)] = 512 + i
	}
	vocab[StartOfText] = 512 + len(merges)
	vocab[EndOfText] = 513 + len(merges)
	return vocab
}
