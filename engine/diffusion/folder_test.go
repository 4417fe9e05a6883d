package diffusion_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/vivid-ml/vivid-ml-engine/engine/diffusion"
	"github.com/vivid-ml/vivid-ml-engine/engine/diffusion/tiny"
	"github.com/vivid-ml/vivid-ml-engine/onnx/onnxpb"
	"google.golang.org/protobuf/proto"
)

// renameInput rewrites a model so that input old is called new.
func renameInput(t *testing.T, path, old, new string) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var m onnxpb.ModelProto
	if err := proto.Unmarshal(data, &m); err != nil {
		t.Fatal(err)
	}
	for _, in := range m.Graph.Input {
		if in.GetName() == old {
			in.Name = proto.String(new)
		}
	}
	for _, n := range m.Graph.Node {
		for i, x := range n.Input {
			if x == old {
				n.Input[i] = new
			}
		}
	}
	if data, err = proto.Marshal(&m); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestOpenErrors(t *testing.T) {
	initORT(t)
	for _, tc := range []struct {
		name   string
		break_ func(t *testing.T, dir string)
		is     error
		want   string // error suffix after the folder path
	}{
		{
			name:   "missing unet",
			break_: func(t *testing.T, dir string) { os.Remove(filepath.Join(dir, "unet", "model.onnx")) },
			is:     diffusion.ErrMissingFile,
			want:   "diffusion: model folder is missing a file: DIR/unet/model.onnx",
		},
		{
			name:   "missing merges",
			break_: func(t *testing.T, dir string) { os.Remove(filepath.Join(dir, "tokenizer_2", "merges.txt")) },
			is:     diffusion.ErrMissingFile,
			want:   "diffusion: model folder is missing a file: DIR/tokenizer_2/merges.txt",
		},
		{
			name: "wrong unet input",
			break_: func(t *testing.T, dir string) {
				renameInput(t, filepath.Join(dir, "unet", "model.onnx"), "time_ids", "add_time_ids")
			},
			is: diffusion.ErrModelIO,
			want: "diffusion: unexpected model inputs/outputs: unet/model.onnx has no input time_ids (looked for time_ids; " +
				"the model has sample, timestep, encoder_hidden_states, text_embeds, add_time_ids)",
		},
		{
			name: "wrong text encoder input",
			break_: func(t *testing.T, dir string) {
				renameInput(t, filepath.Join(dir, "text_encoder", "model.onnx"), "input_ids", "ids")
			},
			is:   diffusion.ErrModelIO,
			want: "diffusion: unexpected model inputs/outputs: text_encoder/model.onnx has no input input_ids (looked for input_ids, tokens; the model has ids)",
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := tinyDir(t, tiny.Options{Seed: 1})
			tc.break_(t, dir)
			p, err := diffusion.Open(diffusion.Config{Dir: dir, Backend: cpuBackend(t)})
			if err == nil {
				p.Close()
				t.Fatal("Open succeeded")
			}
			if !errors.Is(err, tc.is) {
				t.Errorf("error %v is not %v", err, tc.is)
			}
			if got := strings.ReplaceAll(err.Error(), dir, "DIR"); got != tc.want {
				t.Errorf("error\n got %s\nwant %s", got, tc.want)
			}
		})
	}
}
