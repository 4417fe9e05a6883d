package xla

import (
	"fmt"

	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/pkg/core/dtypes"
	. "github.com/gomlx/gomlx/pkg/core/graph" //nolint:revive // the lowering reads as GoMLX graph code
	"github.com/gomlx/gomlx/pkg/core/shapes"

	"github.com/vivid-ml/vivid-ml-engine/onnx/onnxpb"
)

// value is one ONNX tensor during lowering: a graph node, or a host tensor known at
// compile time (folded), never both. ohwi marks a Conv kernel stored [O, spatial…, I/g]
// instead of ONNX's [O, I/g, spatial…] (the nhwc conv layout, see convKernels).
type value struct {
	n    *Node
	h    *hostT
	ohwi bool
}

// foldLimit is the largest host tensor (elements) that a fold produces; bigger results
// are computed in the graph instead of being embedded as constants.
const foldLimit = 1 << 16

// lowerCtx lowers nodes into one graph g. half is the graph dtype of ONNX FLOAT16
// (Float16 on XLA; Float32 on the pure-Go backend, which has no half type; Float64 in
// fold graphs, so fp16 results come back distinguishable).
type lowerCtx struct {
	g      *Graph
	half   dtypes.DType
	opset  int64
	node   *onnxpb.NodeProto
	folder *folder // nil inside a fold graph
	nhwc   bool    // Conv computes channels-last (Config.ConvLayout)
}

// lowerError is what a lowering helper panics with; lowerNode recovers it.
type lowerError struct{ err error }

// fail aborts the current node's lowering with a message.
func fail(format string, args ...any) {
	panic(lowerError{fmt.Errorf(format, args...)})
}

// dtype maps an ONNX element type to this graph's dtype.
func (c *lowerCtx) dtype(dt onnxpb.TensorProto_DataType) dtypes.DType {
	switch dt {
	case onnxpb.TensorProto_FLOAT:
		return dtypes.Float32
	case onnxpb.TensorProto_FLOAT16:
		return c.half
	case onnxpb.TensorProto_DOUBLE:
		return dtypes.Float64
	case onnxpb.TensorProto_INT64:
		return dtypes.Int64
	case onnxpb.TensorProto_INT32:
		return dtypes.Int32
	case onnxpb.TensorProto_INT16:
		return dtypes.Int16
	case onnxpb.TensorProto_INT8:
		return dtypes.Int8
	case onnxpb.TensorProto_UINT8:
		return dtypes.Uint8
	case onnxpb.TensorProto_BOOL:
		return dtypes.Bool
	}
	fail("element type %s is not supported", dt)
	return dtypes.InvalidDType
}

// onnxType maps a graph dtype back to ONNX (for folded results).
func (c *lowerCtx) onnxType(d dtypes.DType) onnxpb.TensorProto_DataType {
	switch d {
	case c.half:
		if c.half != dtypes.Float32 {
			return onnxpb.TensorProto_FLOAT16
		}
		return onnxpb.TensorProto_FLOAT
	case dtypes.Float32:
		return onnxpb.TensorProto_FLOAT
	case dtypes.Float64:
		return onnxpb.TensorProto_DOUBLE
	case dtypes.Int64:
		return onnxpb.TensorProto_INT64
	case dtypes.Int32:
		return onnxpb.TensorProto_INT32
	case dtypes.Int16:
		return onnxpb.TensorProto_INT16
	case dtypes.Int8:
		return onnxpb.TensorProto_INT8
	case dtypes.Uint8:
		return onnxpb.TensorProto_UINT8
	case dtypes.Bool:
		return onnxpb.TensorProto_BOOL
	}
	fail("graph dtype %s has no ONNX type", d)
	return 0
}

// n returns v as a node of this graph, embedding host tensors as constants.
func (c *lowerCtx) n(v *value) *Node {
	if v == nil {
		fail("a required input is missing")
	}
	if v.n != nil {
		return v.n
	}
	return c.constant(v.h)
}

// constant embeds a host tensor.
func (c *lowerCtx) constant(h *hostT) *Node {
	d := c.dtype(h.dt)
	if h.len() == 0 { // an empty tensor (e.g. a shape [0] operand of Concat, as torch exports in SDXL's UNet)
		dims := h.dims
		if len(dims) == 0 {
			dims = []int{0}
		}
		return Zeros(c.g, shapes.Make(d, dims...))
	}
	var x *Node
	switch {
	case h.f16 != nil:
		f := make([]float32, len(h.f16))
		for i, b := range h.f16 {
			f[i] = f16to32(b)
		}
		x = Const(c.g, f)
	case h.f32 != nil:
		x = Const(c.g, h.f32)
	default:
		x = Const(c.g, h.i64)
		if d == dtypes.Bool {
			return Reshape(NotEqual(x, ScalarZero(c.g, dtypes.Int64)), h.dims...)
		}
	}
	if len(h.dims) == 0 {
		x = Reshape(x)
	} else {
		x = Reshape(x, h.dims...)
	}
	if x.DType() != d {
		x = ConvertDType(x, d)
	}
	return x
}

// host returns v's compile-time value or fails naming what needed it.
func host(v *value, what string) *hostT {
	if v == nil || v.h == nil {
		fail("%s must be known at compile time (a constant or computed from shapes)", what)
	}
	return v.h
}

// hostInts reads a compile-time integer input (shape, axes, pads…).
func hostInts(v *value, what string) []int {
	h := host(v, what)
	if h.i64 == nil {
		fail("%s must be an integer tensor", what)
	}
	out := make([]int, len(h.i64))
	for i, x := range h.i64 {
		out[i] = int(x)
	}
	return out
}

// nodeOf wraps a graph node as a value.
func nodeOf(x *Node) *value { return &value{n: x} }

// shapeOf returns the static dimensions of v.
func shapeOf(v *value) []int {
	if v.h != nil {
		return v.h.dims
	}
	return v.n.Shape().Dimensions
}

// normAxis maps a negative ONNX axis into [0, rank).
func normAxis(axis, rank int) int {
	if axis < 0 {
		axis += rank
	}
	if axis < 0 || axis >= rank && !(rank == 0 && axis == 0) {
		fail("axis %d is out of range for rank %d", axis, rank)
	}
	return axis
}

// lowerNode lowers one ONNX node, folding it on the host when every input is known at
// compile time and the results are small.
func (c *lowerCtx) lowerNode(nd *onnxpb.NodeProto, in []*value) (out []*value, err error) {
	fn, ok := opTable[nd.GetOpType()]
	if !ok || nd.GetDomain() != "" && nd.GetDomain() != "ai.onnx" {
		return nil, ErrUnsupportedOp
	}
	if c.folder != nil && allHost(in) && !noFold[nd.GetOpType()] {
		if out, ok := c.folder.fold(c, nd, fn, in); ok {
			return out, nil
		}
	}
	return c.run(nd, fn, in)
}

// run calls fn, turning a lowering panic (ours or GoMLX's) into an error.
func (c *lowerCtx) run(nd *onnxpb.NodeProto, fn opFunc, in []*value) (out []*value, err error) {
	c.node = nd
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
	out = fn(c, attrsOf(nd), in)
	if len(out) < len(nd.GetOutput()) {
		needed := 0
		for i, name := range nd.GetOutput() {
			if name != "" {
				needed = i + 1
			}
		}
		if len(out) < needed {
			return nil, fmt.Errorf("produces %d outputs, the node uses %d", len(out), needed)
		}
	}
	return out, nil
}

func allHost(in []*value) bool {
	for _, v := range in {
		if v != nil && v.h == nil {
			return false
		}
	}
	return true
}

// folder evaluates host-only nodes on a pure-Go backend.
type folder struct {
	backend backends.Backend
}

// fold lowers the node into a fresh graph on the fold backend and runs it; false when
// the results are too big to embed (the caller lowers it into the real graph).
func (f *folder) fold(c *lowerCtx, nd *onnxpb.NodeProto, fn opFunc, in []*value) (out []*value, ok bool) {
	fc := &lowerCtx{g: NewGraph(f.backend, "fold"), half: dtypes.Float64, opset: c.opset}
	defer fc.g.Finalize()
	res, err := fc.run(nd, fn, in)
	if err != nil {
		return nil, false // the real graph reports it
	}
	var nodes []*Node
	var idx []int
	out = make([]*value, len(res))
	for i, r := range res {
		if r == nil {
			continue
		}
		if r.h != nil {
			out[i] = r
			continue
		}
		if r.n.Shape().Size() > foldLimit {
			return nil, false
		}
		nodes = append(nodes, r.n)
		idx = append(idx, i)
	}
	if len(nodes) == 0 {
		return out, true
	}
	var ts []*hostT
	err = func() (err error) {
		defer func() {
			if r := recover(); r != nil {
				err = fmt.Errorf("fold: %v", r)
			}
		}()
		fc.g.Compile(nodes...)
		results := fc.g.Run()
		for i, t := range results {
			ts = append(ts, hostFromTensor(t, fc.onnxType(nodes[i].DType())))
			t.FinalizeAll()
		}
		return nil
	}()
	if err != nil {
		return nil, false
	}
	for i, h := range ts {
		out[idx[i]] = &value{h: h}
	}
	return out, true
}

// scalarLike returns a scalar constant with x's dtype.
func scalarLike(x *Node, v float64) *Node { return Scalar(x.Graph(), x.DType(), v) }

// shapeMake is shapes.Make, for files that dot-import graph.
func shapeMake(d dtypes.DType, dims ...int) shapes.Shape { return shapes.Make(d, dims...) }
