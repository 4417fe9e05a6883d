package clip

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"testing"
)

// goldenDir is what scripts/gpu/diffusers_goldens.py wrote (see engine/diffusion/testdata).
const goldenDir = "../testdata/diffusers"

// TestTransformersGoldens compares IDs with transformers' CLIPTokenizer on ~220 prompts
// (unicode, punctuation, numbers, special-token text, over-long, empty) with three
// vocabularies: the tiny one padding with <|endoftext|> (tokenizer), the tiny one padding
// with "!" (tokenizer_2), and a 300-merge vocab learned on the prompts (tokenizer_rich).
func TestTransformersGoldens(t *testing.T) {
	data, err := os.ReadFile(filepath.Join(goldenDir, "tokenizer.json"))
	if err != nil {
		t.Fatal(err)
	}
	var g struct {
		Transformers string `json:"transformers"`
		Class        string `json:"class"`
		Cases        []struct {
			Text  string  `json:"text"`
			IDs1  []int32 `json:"ids1"`
			IDs2  []int32 `json:"ids2"`
			Rich  []int32 `json:"rich"`
			Error string  `json:"ids1_error"`
		} `json:"cases"`
	}
	if err := json.Unmarshal(data, &g); err != nil {
		t.Fatal(err)
	}
	toks := map[string]*Tokenizer{}
	for _, d := range []string{"sdxl/tokenizer", "sdxl/tokenizer_2", "tokenizer_rich"} {
		if toks[d], err = Load(filepath.Join(goldenDir, d)); err != nil {
			t.Fatal(err)
		}
	}
	t.Logf("%d prompts, transformers %s %s", len(g.Cases), g.Transformers, g.Class)
	bad := 0
	for _, c := range g.Cases {
		for _, v := range []struct {
			dir  string
			want []int32
		}{{"sdxl/tokenizer", c.IDs1}, {"sdxl/tokenizer_2", c.IDs2}, {"tokenizer_rich", c.Rich}} {
			if v.want == nil {
				continue
			}
			if got := toks[v.dir].IDs(c.Text); !slices.Equal(got, v.want) {
				bad++
				t.Errorf("%s IDs(%q)\n got %v\nwant %v", v.dir, c.Text, got, v.want)
			}
		}
	}
	if bad > 0 {
		t.Logf("%d of %d tokenizations differ", bad, 3*len(g.Cases))
	}
}
