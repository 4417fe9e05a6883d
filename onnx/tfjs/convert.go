// Package tfjs converts TensorFlow.js graph models (model.json + weight shards) to ONNX.
//
// The ONNX graph keeps TF's NHWC layout: convolutions and pools are wrapped in
// Transposes that ONNX Runtime's transpose optimizer cancels between layers.
// Graph input and outputs keep the TF node names, dtypes and shapes.
package tfjs

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"google.golang.org/protobuf/proto"

	"github.com/vivid-ml/vivid-ml-engine/onnx/onnxpb"
)

// Opset and IRVersion are what the importer writes: ONNX opset 17, IR version 8.
const (
	Opset     = 17
	IRVersion = 8
)

// ConvertFile reads a TFJS graph or layers model (model.json and the weight shards next to it)
// and writes the equivalent ONNX model to outONNX atomically (temp file + rename).
func ConvertFile(modelJSON, outONNX string) error {
	data, err := os.ReadFile(modelJSON)
	if err != nil {
		return fmt.Errorf("read model: %w", err)
	}
	dir := filepath.Dir(modelJSON)
	m, err := Convert(data, func(p string) ([]byte, error) {
		return os.ReadFile(filepath.Join(dir, filepath.FromSlash(p)))
	})
	if err != nil {
		return err
	}
	b, err := proto.Marshal(m)
	if err != nil {
		return fmt.Errorf("marshal onnx: %w", err)
	}
	tmp, err := os.CreateTemp(filepath.Dir(outONNX), "."+filepath.Base(outONNX)+".tmp*")
	if err != nil {
		return fmt.Errorf("write onnx: %w", err)
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(b); err != nil {
		tmp.Close()
		return fmt.Errorf("write onnx: %w", err)
	}
	if err := tmp.Chmod(0o644); err != nil {
		tmp.Close()
		return fmt.Errorf("write onnx: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("write onnx: %w", err)
	}
	if err := os.Rename(tmp.Name(), outONNX); err != nil {
		return fmt.Errorf("write onnx: %w", err)
	}
	return nil
}

// converter holds the state of one conversion.
type converter struct {
	b       *builder
	weights map[string]*tensor
	vals    map[string]*value // by TF tensor name "node:k"
}

// Convert translates a TFJS graph model or layers model (by its "format") to an ONNX model;
// weights reads the shards named in the manifest.
func Convert(modelJSON []byte, weights WeightsReader) (*onnxpb.ModelProto, error) {
	var head struct {
		Format string `json:"format"`
	}
	if json.Unmarshal(modelJSON, &head) == nil && head.Format == "layers-model" {
		return convertLayers(modelJSON, weights)
	}
	m, err := parseModel(modelJSON)
	if err != nil {
		return nil, err
	}
	w, err := loadWeights(m.WeightsManifest, weights)
	if err != nil {
		return nil, err
	}
	order, err := topoSort(m.ModelTopology.Node)
	if err != nil {
		return nil, err
	}
	c := &converter{b: newBuilder(), weights: w, vals: map[string]*value{}}
	var inputs []*onnxpb.ValueInfoProto
	consumed := map[string]bool{}
	for _, n := range order {
		ins := make([]*value, 0, len(n.Input))
		for _, in := range n.Input {
			if strings.HasPrefix(in, "^") {
				continue
			}
			v, ok := c.vals[tensorName(in)]
			if !ok {
				return nil, fmt.Errorf("%w: node %q (%s): unknown input %q", ErrBadModel, n.Name, n.Op, in)
			}
			consumed[tensorName(in)] = true
			ins = append(ins, v)
		}
		if n.Op == "Placeholder" {
			vi, v, err := c.placeholder(n)
			if err != nil {
				return nil, err
			}
			inputs = append(inputs, vi)
			c.vals[n.Name+":0"] = v
			continue
		}
		fn, ok := opTable[n.Op]
		if !ok {
			return nil, fmt.Errorf("%w: %s (node %q)", ErrUnsupportedOp, n.Op, n.Name)
		}
		outs, err := fn(c, n, ins)
		if err != nil {
			return nil, fmt.Errorf("node %q (%s): %w", n.Name, n.Op, err)
		}
		for k, v := range outs {
			c.vals[fmt.Sprintf("%s:%d", n.Name, k)] = v
		}
	}
	outputs, err := c.graphOutputs(m, order, consumed)
	if err != nil {
		return nil, err
	}
	return c.model(inputs, outputs), nil
}

// model wraps the built nodes and initializers into an opset-17 ONNX model.
func (c *converter) model(inputs, outputs []*onnxpb.ValueInfoProto) *onnxpb.ModelProto {
	graphName := "tfjs"
	producer, producerVersion := "vivid-ml-engine tfjs importer", "1"
	g := &onnxpb.GraphProto{Name: &graphName, Node: c.b.nodes, Initializer: c.b.inits, Input: inputs, Output: outputs}
	ir := int64(IRVersion)
	opset := int64(Opset)
	domain := ""
	return &onnxpb.ModelProto{
		IrVersion:       &ir,
		ProducerName:    &producer,
		ProducerVersion: &producerVersion,
		OpsetImport:     []*onnxpb.OperatorSetIdProto{{Domain: &domain, Version: &opset}},
		Graph:           g,
	}
}

// tensorName normalises "node" to "node:0".
func tensorName(in string) string {
	if i := strings.LastIndexByte(in, ':'); i >= 0 && isDigits(in[i+1:]) {
		return in
	}
	return in + ":0"
}

func isDigits(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

// topoSort orders nodes so every input comes before its consumer, failing on cycles.
func topoSort(nodes []nodeDef) ([]*nodeDef, error) {
	byName := make(map[string]*nodeDef, len(nodes))
	for i := range nodes {
		n := &nodes[i]
		if _, dup := byName[n.Name]; dup || n.Name == "" {
			return nil, fmt.Errorf("%w: duplicate or empty node name %q", ErrBadModel, n.Name)
		}
		byName[n.Name] = n
	}
	const (
		unseen = iota
		active
		done
	)
	state := make(map[string]int, len(nodes))
	order := make([]*nodeDef, 0, len(nodes))
	type frame struct {
		n    *nodeDef
		next int
	}
	for i := range nodes {
		if state[nodes[i].Name] != unseen {
			continue
		}
		stack := []frame{{n: &nodes[i]}}
		state[nodes[i].Name] = active
		for len(stack) > 0 {
			top := &stack[len(stack)-1]
			if top.next == len(top.n.Input) {
				state[top.n.Name] = done
				order = append(order, top.n)
				stack = stack[:len(stack)-1]
				continue
			}
			in := strings.TrimPrefix(top.n.Input[top.next], "^")
			top.next++
			tn := tensorName(in)
			src := tn[:strings.LastIndexByte(tn, ':')]
			dep, ok := byName[src]
			if !ok {
				return nil, fmt.Errorf("%w: node %q: unknown input %q", ErrBadModel, top.n.Name, in)
			}
			switch state[src] {
			case active:
				return nil, fmt.Errorf("%w: cycle through node %q", ErrBadModel, src)
			case unseen:
				state[src] = active
				stack = append(stack, frame{n: dep})
			}
		}
	}
	return order, nil
}

// graphOutputs are the signature outputs, else every unconsumed non-constant tensor.
func (c *converter) graphOutputs(m *modelFile, order []*nodeDef, consumed map[string]bool) ([]*onnxpb.ValueInfoProto, error) {
	var names []string
	if m.Signature != nil && len(m.Signature.Outputs) > 0 {
		for _, o := range m.Signature.Outputs {
			names = append(names, tensorName(o.Name))
		}
		sort.Strings(names)
	} else {
		for _, n := range order {
			if n.Op != "Const" && !consumed[n.Name+":0"] {
				names = append(names, n.Name+":0")
			}
		}
	}
	var out []*onnxpb.ValueInfoProto
	for _, tn := range names {
		v, ok := c.vals[tn]
		if !ok {
			return nil, fmt.Errorf("%w: output %q is not produced by the graph", ErrBadModel, tn)
		}
		name := c.ref(v)
		want := strings.TrimSuffix(tn, ":0")
		if name != want || v.konst != nil {
			want = c.b.unique(want)
			c.b.add("Identity", []string{name}, []string{want})
		}
		out = append(out, valueInfo(want, v.dtype, v.shape, nil))
	}
	return out, nil
}

// placeholder makes the graph input; unknown dims become named symbolic dims.
func (c *converter) placeholder(n *nodeDef) (*onnxpb.ValueInfoProto, *value, error) {
	dt, err := dtypeFromTF(n.attrType("dtype"))
	if err != nil {
		return nil, nil, fmt.Errorf("%w: placeholder %q: %w", ErrBadModel, n.Name, err)
	}
	var shape []int64
	if a, ok := n.Attr["shape"]; ok && a.Shape != nil && !a.Shape.UnknownRank {
		shape = []int64{}
		for _, d := range a.Shape.Dim {
			shape = append(shape, int64(d.Size))
		}
	}
	name := c.b.unique(n.Name)
	params := map[int]string{}
	if len(shape) == 4 {
		params[0], params[1], params[2], params[3] = "batch", "height", "width", "channels"
	}
	return valueInfo(name, dt, shape, params), &value{name: name, dtype: dt, shape: shape}, nil
}

// valueInfo describes a graph input or output; dims < 0 become symbolic.
func valueInfo(name string, dt onnxpb.TensorProto_DataType, shape []int64, params map[int]string) *onnxpb.ValueInfoProto {
	elem := int32(dt)
	tt := &onnxpb.TypeProto_Tensor{ElemType: &elem}
	if shape != nil {
		tt.Shape = &onnxpb.TensorShapeProto{}
		for i, d := range shape {
			dim := &onnxpb.TensorShapeProto_Dimension{}
			if d >= 0 {
				dim.Value = &onnxpb.TensorShapeProto_Dimension_DimValue{DimValue: d}
			} else {
				p := params[i]
				if p == "" {
					p = fmt.Sprintf("%s_dim%d", name, i)
				}
				dim.Value = &onnxpb.TensorShapeProto_Dimension_DimParam{DimParam: p}
			}
			tt.Shape.Dim = append(tt.Shape.Dim, dim)
		}
	}
	return &onnxpb.ValueInfoProto{
		Name: &name,
		Type: &onnxpb.TypeProto{Value: &onnxpb.TypeProto_TensorType{TensorType: tt}},
	}
}

// ref returns the ONNX name of v, writing its initializer on first use.
func (c *converter) ref(v *value) string {
	if v.pending {
		v.pending = false
		v.name = c.b.initializer(v.name, v.konst)
	}
	return v.name
}

// out is the ONNX name for output k of node n: the TF tensor name ("name", "name:1").
func (c *converter) out(n *nodeDef, k int) string {
	if k == 0 {
		return c.b.unique(n.Name)
	}
	return c.b.unique(fmt.Sprintf("%s:%d", n.Name, k))
}

// tmp is a fresh intermediate name under node n.
func (c *converter) tmp(n *nodeDef, what string) string {
	return c.b.unique(n.Name + "/" + what)
}
