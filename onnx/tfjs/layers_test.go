package tfjs

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"google.golang.org/protobuf/proto"
)

// layersModel builds a layers-model model.json from layer JSON objects (after an InputLayer "in"
// of shape [null,null,null,3]) with output layer out; weights: conv "c" kernel [3,3,3,4] + bias [4].
func layersModel(out string, layers ...string) string {
	all := append([]string{`{"class_name":"InputLayer","name":"in","config":{"batch_input_shape":[null,null,null,3],"dtype":"float32","name":"in"},"inbound_nodes":[]}`}, layers...)
	return fmt.Sprintf(`{"format":"layers-model","modelTopology":{"keras_version":"2.10.0","model_config":{"class_name":"Functional",
 "config":{"name":"m","layers":[%s],"input_layers":[["in",0,0]],"output_layers":[[%q,0,0]]}}},
 "weightsManifest":[{"paths":["w.bin"],"weights":[{"name":"c/kernel","shape":[3,3,3,4],"dtype":"float32"},{"name":"c/bias","shape":[4],"dtype":"float32"}]}]}`,
		strings.Join(all, ","), out)
}

const (
	lConv = `{"class_name":"Conv2D","name":"c","config":{"name":"c","filters":4,"kernel_size":[3,3],"strides":[1,1],"padding":"same","data_format":"channels_last","dilation_rate":[1,1],"groups":1,"activation":"relu","use_bias":true},"inbound_nodes":[[["in",0,0,{}]]]}`
	lAct  = `{"class_name":"Activation","name":"a","config":{"name":"a","activation":"relu"},"inbound_nodes":[[["c",0,0,{}]]]}`
	lCat  = `{"class_name":"Concatenate","name":"cat","config":{"name":"cat","axis":3},"inbound_nodes":[[["a",0,0,{}],["in",0,0,{}]]]}`
	lBeta = `{"class_name":"MultiplyBeta","name":"b","config":{"name":"b","beta":0.2},"inbound_nodes":[[["cat",0,0,{}]]]}`
	lAdd  = `{"class_name":"Add","name":"add","config":{"name":"add"},"inbound_nodes":[[["b",0,0,{}],["cat",0,0,{}],["cat",0,0,{}]]]}`
	lUp   = `{"class_name":"UpSampling2D","name":"up","config":{"name":"up","size":[2,2],"interpolation":"nearest","data_format":"channels_last"},"inbound_nodes":[[["add",0,0,{}]]]}`
	lPS   = `{"class_name":"PixelShuffle2x","name":"ps","config":{"name":"ps","scale":2},"inbound_nodes":[[["sl",0,0,{}]]]}`
)

// layersWeights is the shard for layersModel: 108 kernel values and 4 biases.
func layersWeights() []byte {
	v := make([]float32, 112)
	for i := range v {
		v[i] = float32(i%7) / 10
	}
	return floats(v...)
}

func TestConvertLayers(t *testing.T) {
	js := layersModel("up", lConv, lAct, lCat, lBeta, lAdd, lUp)
	m, err := Convert([]byte(js), shardReader(map[string][]byte{"w.bin": layersWeights()}))
	if err != nil {
		t.Fatal(err)
	}
	var ops []string
	for _, n := range m.GetGraph().GetNode() {
		ops = append(ops, n.GetOpType())
	}
	want := "Transpose Conv Relu Transpose Relu Concat Mul Sum Resize"
	if got := strings.Join(ops, " "); got != want {
		t.Errorf("ops = %q, want %q", got, want)
	}
	g := m.GetGraph()
	if g.GetInput()[0].GetName() != "in" || g.GetOutput()[0].GetName() != "up" {
		t.Errorf("io = %s → %s", g.GetInput()[0].GetName(), g.GetOutput()[0].GetName())
	}
	if dims := g.GetOutput()[0].GetType().GetTensorType().GetShape().GetDim(); len(dims) != 4 || dims[3].GetDimValue() != 7 {
		t.Errorf("output dims = %v, want 7 channels", dims)
	}
	if _, err := proto.Marshal(m); err != nil {
		t.Fatal(err)
	}
}

func TestConvertLayersErrors(t *testing.T) {
	slice := `{"class_name":"Concatenate","name":"sl","config":{"name":"sl","axis":-1},"inbound_nodes":[[["in",0,0,{}],["in",0,0,{}],["in",0,0,{}],["in",0,0,{}]]]}`
	for _, c := range []struct {
		name, js string
		want     error
		msg      string
	}{
		{"not json", `{"format":"layers-model",`, ErrBadModel, "model.json"},
		{"sequential", `{"format":"layers-model","modelTopology":{"class_name":"Sequential","config":{"layers":[]}}}`, ErrUnsupportedOp, `model class "Sequential"`},
		{"no layers", `{"format":"layers-model","modelTopology":{"class_name":"Functional","config":{"layers":[]}}}`, ErrBadModel, "has no layers"},
		{"unknown class", layersModel("x", `{"class_name":"Dense","name":"x","config":{},"inbound_nodes":[[["in",0,0,{}]]]}`), ErrUnsupportedOp, `layer class Dense (layer "x")`},
		{"forward ref", layersModel("c", `{"class_name":"Activation","name":"a","config":{"activation":"relu"},"inbound_nodes":[[["c",0,0,{}]]]}`, lConv), ErrBadModel, `input c:0:0 is not an earlier layer's output`},
		{"shared layer", layersModel("a", `{"class_name":"Activation","name":"a","config":{"activation":"relu"},"inbound_nodes":[[["in",0,0,{}]],[["in",0,0,{}]]]}`), ErrUnsupportedOp, "called 2 times"},
		{"bad ref", layersModel("a", `{"class_name":"Activation","name":"a","config":{},"inbound_nodes":[[["in",0]]]}`), ErrBadModel, "want [name, node, tensor]"},
		{"duplicate", layersModel("in", `{"class_name":"Activation","name":"in","config":{},"inbound_nodes":[[["in",0,0,{}]]]}`), ErrBadModel, `duplicate or empty layer name "in"`},
		{"activation", layersModel("a", `{"class_name":"Activation","name":"a","config":{"activation":"swish"},"inbound_nodes":[[["in",0,0,{}]]]}`), ErrUnsupportedOp, `activation "swish"`},
		{"bilinear", layersModel("u", `{"class_name":"UpSampling2D","name":"u","config":{"interpolation":"bilinear"},"inbound_nodes":[[["in",0,0,{}]]]}`), ErrUnsupportedOp, `interpolation "bilinear"`},
		{"no kernel", layersModel("k", strings.ReplaceAll(lConv, `"c"`, `"k"`)), ErrBadWeights, `no weight "k/kernel"`},
		{"wrong kernel size", layersModel("c", strings.Replace(lConv, `"kernel_size":[3,3]`, `"kernel_size":[5,5]`, 1)), ErrBadWeights, "kernel_size [5 5]"},
		{"channels first", layersModel("c", strings.Replace(lConv, "channels_last", "channels_first", 1)), ErrUnsupportedOp, `data_format "channels_first"`},
		{"shuffle channels", layersModel("ps", strings.Replace(slice, `["in",0,0,{}],["in",0,0,{}],["in",0,0,{}],["in",0,0,{}]`, `["in",0,0,{}],["in",0,0,{}]`, 1), lPS), ErrBadModel, "6 channels do not divide by scale² 4"},
		{"unknown output", layersModel("nope"), ErrBadModel, "output nope:0:0 is not produced"},
		{"negative input dim", strings.Replace(layersModel("in"), "[null,null,null,3]", "[null,-2,null,3]", 1), ErrBadModel, "negative dimension -2"},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := Convert([]byte(c.js), shardReader(map[string][]byte{"w.bin": layersWeights()}))
			if !errors.Is(err, c.want) || !strings.Contains(err.Error(), c.msg) {
				t.Fatalf("err = %v, want %v containing %q", err, c.want, c.msg)
			}
		})
	}
	// a 12-channel concat shuffles to 3 channels
	js := layersModel("ps", slice, lPS)
	if _, err := Convert([]byte(js), shardReader(map[string][]byte{"w.bin": layersWeights()})); err != nil {
		t.Errorf("pixel shuffle of 12 channels: %v", err)
	}
}

// FuzzConvertLayers feeds arbitrary layers-model JSON and shard bytes to Convert: errors are
// fine, panics are not. The corpus (testdata/fuzz/FuzzConvertLayers) has one model per layer class.
func FuzzConvertLayers(f *testing.F) {
	f.Add([]byte(layersModel("up", lConv, lAct, lCat, lBeta, lAdd, lUp)), layersWeights())
	f.Add([]byte(layersModel("c", lConv)), floats(1, 2))
	f.Fuzz(func(t *testing.T, modelJSON, shard []byte) {
		m, err := Convert(modelJSON, func(string) ([]byte, error) { return shard, nil })
		if err != nil {
			return
		}
		if _, err := proto.Marshal(m); err != nil {
			t.Fatalf("converted model does not marshal: %v", err)
		}
	})
}

// TestWriteLayersFuzzCorpus regenerates testdata/fuzz/FuzzConvertLayers when VIVID_WRITE_CORPUS=1.
func TestWriteLayersFuzzCorpus(t *testing.T) {
	if os.Getenv("VIVID_WRITE_CORPUS") == "" {
		t.Skip("set VIVID_WRITE_CORPUS=1 to regenerate the corpus")
	}
	dir := filepath.Join("testdata", "fuzz", "FuzzConvertLayers")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	slice := `{"class_name":"Concatenate","name":"sl","config":{"axis":-1},"inbound_nodes":[[["in",0,0,{}],["in",0,0,{}],["in",0,0,{}],["in",0,0,{}]]]}`
	for name, js := range map[string]string{
		"conv": layersModel("c", lConv), "activation": layersModel("a", lConv, lAct),
		"concat": layersModel("cat", lConv, lAct, lCat), "beta": layersModel("b", lConv, lAct, lCat, lBeta),
		"add": layersModel("add", lConv, lAct, lCat, lBeta, lAdd), "upsampling": layersModel("up", lConv, lAct, lCat, lBeta, lAdd, lUp),
		"pixelshuffle": layersModel("ps", slice, lPS), "shared": layersModel("a", `{"class_name":"Activation","name":"a","config":{},"inbound_nodes":[[["in",0,0,{}]],[["in",0,0,{}]]]}`),
		"topology-is-config": `{"format":"layers-model","modelTopology":{"class_name":"Model","config":{"layers":[{"class_name":"InputLayer","config":{"name":"x","batch_input_shape":[1,4,4,3]},"inbound_nodes":[]}],"input_layers":["x",0,0],"output_layers":["x",0,0]}}}`,
	} {
		body := fmt.Sprintf("go test fuzz v1\n[]byte(%q)\n[]byte(%q)\n", js, layersWeights())
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}
