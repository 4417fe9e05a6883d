package xla

import (
	"errors"
	"fmt"

	"github.com/gomlx/gomlx/pkg/core/dtypes"
	"github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/shapes"
)

// compile lowers the ONNX graph for one bucket of input shapes and compiles it:
// parameters are the model inputs, then the weights; every other initializer and
// every shape computation is a compile-time constant.
func (m *model) compile(dims [][]int) (p *program, err error) {
	half := dtypes.Float32
	if m.b.half {
		half = dtypes.Float16
	}
	g := graph.NewGraph(m.b.be, "onnx")
	defer func() {
		if err != nil {
			g.Finalize()
		}
	}()
	c := &lowerCtx{g: g, half: half, opset: m.om.opset, folder: &folder{backend: m.b.fold}, nhwc: m.b.nhwc}
	env := map[string]*value{}
	for name, h := range m.om.consts {
		env[name] = &value{h: h, ohwi: m.ohwi[name]}
	}
	err = guard(func() {
		for i, io := range m.ins {
			env[io.Name] = nodeOf(graph.Parameter(g, io.Name, shapes.Make(c.dtype(m.inDT[i]), dims[i]...)))
		}
		for i, name := range m.wNames {
			sh, e := m.b.be.BufferShape(m.wBufs[i])
			if e != nil {
				panic(lowerError{e})
			}
			env[name] = &value{n: graph.Parameter(g, "w/"+name, sh), ohwi: m.ohwi[name]}
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
	p = &program{g: g}
	var outs []*graph.Node
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
			p.outDT = append(p.outDT, x.DType())
			p.dims = append(p.dims, x.Shape().Dimensions)
		}
		g.Compile(outs...)
	})
	if err != nil {
		return nil, fmt.Errorf("xla: %s: %w", m.om.path, err)
	}
	return p, nil
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
