package xla

import (
	"errors"
	"fmt"

	"github.com/gomlx/gomlx/pkg/core/dtypes"
	"github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/shapes"

	"github.com/vivid-ml/vivid-ml-engine/onnx/onnxpb"
)

// compile lowers the ONNX graph for one bucket of input shapes and compiles it:
// parameters are the model inputs, then the weights; every other initializer and
// every shape computation is a compile-time constant.
func (m *model) compile(dims [][]int) (p *program, err error) {
	g := graph.NewGraph(m.b.be, "onnx")
	defer func() {
		if err != nil {
			g.Finalize()
		}
	}()
	var ins []*graph.Node
	err = guard(func() {
		for i, io := range m.ins {
			ins = append(ins, graph.Parameter(g, io.Name, shapes.Make(m.graphDType(m.inDT[i]), dims[i]...)))
		}
	})
	if err != nil {
		return nil, fmt.Errorf("xla: %s: %w", m.om.path, err)
	}
	outs, err := m.lowerInto(g, ins)
	if err != nil {
		return nil, err
	}
	return finish(g, outs, m.om.path)
}

// finish compiles g with outs as its results.
func finish(g *graph.Graph, outs []*graph.Node, path string) (*program, error) {
	p := &program{g: g}
	err := guard(func() {
		for _, x := range outs {
			p.outDT = append(p.outDT, x.DType())
			p.dims = append(p.dims, x.Shape().Dimensions)
		}
		g.Compile(outs...)
	})
	if err != nil {
		return nil, fmt.Errorf("xla: %s: %w", path, err)
	}
	return p, nil
}

// graphDType is the graph dtype of an ONNX element type on this backend.
func (m *model) graphDType(dt onnxpb.TensorProto_DataType) dtypes.DType {
	c := &lowerCtx{half: m.b.halfDType()}
	return c.dtype(dt)
}

// lowerInto lowers the model's graph into g on the given input nodes (one per model
// input, in order) and returns its outputs in the ONNX output types. The weights become
// parameters of g after every parameter the caller made before: a program runs with the
// caller's arguments, then m.wBufs.
func (m *model) lowerInto(g *graph.Graph, ins []*graph.Node) (outs []*graph.Node, err error) {
	c := &lowerCtx{g: g, half: m.b.halfDType(), opset: m.om.opset, folder: &folder{backend: m.b.fold}, nhwc: m.b.nhwc}
	env := map[string]*value{}
	for name, h := range m.om.consts {
		env[name] = &value{h: h, ohwi: m.ohwi[name]}
	}
	if len(ins) != len(m.ins) {
		return nil, fmt.Errorf("xla: %s: %d inputs given, the model has %d", m.om.path, len(ins), len(m.ins))
	}
	err = guard(func() {
		for i, io := range m.ins {
			env[io.Name] = nodeOf(ins[i])
		}
		for i, name := range m.wNames {
			sh, e := m.b.be.BufferShape(m.wBufs[i])
			if e != nil {
				panic(lowerError{e})
			}
			w := graph.Parameter(g, "w/"+name, sh)
			if m.narrowed[name] {
				w = graph.ConvertDType(w, dtypes.Float32)
			}
			env[name] = &value{n: w, ohwi: m.ohwi[name]}
		}
	})
	if err != nil {
		return nil, fmt.Errorf("xla: %s: %w", m.om.path, err)
	}
	for _, nd := range m.om.graph.GetNode() {
		in := make([]*value, len(nd.GetInput()))
		for i, name := range nd.GetInput() {
			if name == "" {
				continue
			}
			v, ok := env[name]
			if !ok {
				return nil, fmt.Errorf("xla: %s: node %q (%s): input %q is not defined before it", m.om.path, nd.GetName(), nd.GetOpType(), name)
			}
			in[i] = v
		}
		out, err := c.lowerNode(nd, in)
		if errors.Is(err, ErrUnsupportedOp) {
			return nil, fmt.Errorf("xla: %s: node %q: %w %s", m.om.path, nd.GetName(), err, nd.GetOpType())
		}
		if err != nil {
			return nil, fmt.Errorf("xla: %s: node %q (%s): %w", m.om.path, nd.GetName(), nd.GetOpType(), err)
		}
		for i, name := range nd.GetOutput() {
			if name != "" && i < len(out) {
				env[name] = out[i]
			}
		}
	}
	err = guard(func() {
		for i, io := range m.outs {
			v, ok := env[io.Name]
			if !ok {
				fail("output %q is never computed", io.Name)
			}
			x := c.n(v)
			if want := c.dtype(m.outDT[i]); x.DType() != want {
				x = graph.ConvertDType(x, want)
			}
			outs = append(outs, x)
		}
	})
	if err != nil {
		return nil, fmt.Errorf("xla: %s: %w", m.om.path, err)
	}
	return outs, nil
}

// guard runs fn, turning a panic (ours or GoMLX's) into an error.
func guard(fn func()) (err error) {
	defer func() {
		if r := recover(); r != nil {
			switch e := r.(type) {
			case lowerError:
				err = e.err
			case error:
				err = e
			default:
				err = fmt.Errorf("%v", r)
			}
		}
	}()
	fn()
	return nil
}
