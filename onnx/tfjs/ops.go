package tfjs

import (
	"fmt"

	"github.com/vivid-ml/vivid-ml-engine/onnx/onnxpb"
)

// opFunc converts one TF node whose inputs are already converted; it returns the node's outputs in order.
type opFunc func(c *converter, n *nodeDef, in []*value) ([]*value, error)

// opTable lists every TF op the importer translates (see the TFJS op list:
// tfjs-converter/src/operations/op_list).
var opTable map[string]opFunc

func init() {
	opTable = map[string]opFunc{
		"Const":    opConst,
		"Identity": opIdentity, "StopGradient": opIdentity, "Snapshot": opIdentity,
		"Cast": opCast,

		"AddV2": binaryOp("Add"), "Add": binaryOp("Add"), "Sub": binaryOp("Sub"), "Mul": binaryOp("Mul"),
		"RealDiv": binaryOp("Div"), "Maximum": binaryOp("Max"), "Minimum": binaryOp("Min"), "Pow": binaryOp("Pow"),
		"Less": compare("Less"), "Greater": compare("Greater"), "LessEqual": compare("LessOrEqual"),
		"GreaterEqual": compare("GreaterOrEqual"), "Equal": compare("Equal"),
		"LogicalAnd": compare("And"), "LogicalOr": compare("Or"),
		"BiasAdd": binaryOp("Add"), "SquaredDifference": opSquaredDifference,
		"FloorDiv": opFloorDiv, "FloorMod": opFloorMod, "AddN": opAddN,

		"Sigmoid": unary("Sigmoid"), "Sqrt": unary("Sqrt"), "Exp": unary("Exp"), "Abs": unary("Abs"),
		"Reciprocal": unary("Reciprocal"), "Relu": unary("Relu"), "Neg": unary("Neg"), "Floor": unary("Floor"),
		"Ceil": unary("Ceil"), "Tanh": unary("Tanh"), "Log": unary("Log"), "LogicalNot": unary("Not"),
		"Round": unary("Round"), "Sign": unary("Sign"), "Relu6": opRelu6, "Rsqrt": opRsqrt, "Square": opSquare,

		"_FusedConv2D": opConv, "Conv2D": opConv,
		"FusedDepthwiseConv2dNative": opConv, "DepthwiseConv2dNative": opConv,
		"Conv2DBackpropInput": opConvBackpropInput, "MatMul": opMatMul,
		"MaxPool": opPool, "AvgPool": opPool,
		"ResizeBilinear": opResize, "ResizeNearestNeighbor": opResize,

		"Reshape": opReshape, "Squeeze": opSqueeze, "ExpandDims": opExpandDims,
		"Pack": opPack, "Unpack": opUnpack, "ConcatV2": opConcat, "Transpose": opTranspose,
		"Shape": opShape, "Size": opSize, "StridedSlice": opStridedSlice,
		"Split": opSplit, "SplitV": opSplitV, "Tile": opTile, "Fill": opFill, "Range": opRange,

		"ArgMax": opArgMax, "GatherNd": opGatherNd, "TopKV2": opTopK,
		"Select": opSelect, "SelectV2": opSelect,
		"Max": reduce("ReduceMax"), "Min": reduce("ReduceMin"), "Sum": reduce("ReduceSum"),
		"Mean": reduce("ReduceMean"), "Prod": reduce("ReduceProd"),
	}
}

// opConst turns a Const node into an initializer written on first use.
func opConst(c *converter, n *nodeDef, _ []*value) ([]*value, error) {
	t, ok := c.weights[n.Name]
	if !ok {
		return nil, fmt.Errorf("%w: no weight named %q in the manifest", ErrBadWeights, n.Name)
	}
	return []*value{{name: n.Name, dtype: t.dtype, shape: t.shape, konst: t, pending: true}}, nil
}

// needInputs checks the input count.
func needInputs(in []*value, min, max int) error {
	if len(in) < min || len(in) > max {
		if min == max {
			return fmt.Errorf("%w: want %d inputs, got %d", ErrBadModel, min, len(in))
		}
		return fmt.Errorf("%w: want %d to %d inputs, got %d", ErrBadModel, min, max, len(in))
	}
	return nil
}

// constInts reads a constant integer input (axis, shape, begin/end…) that ONNX needs statically.
func constInts(v *value, what string) ([]int64, error) {
	if v.konst == nil {
		return nil, fmt.Errorf("%w: %s must be a constant", ErrUnsupportedOp, what)
	}
	ints, ok := v.konst.ints()
	if !ok {
		return nil, fmt.Errorf("%w: %s must be an integer tensor", ErrBadModel, what)
	}
	return ints, nil
}

// constInt reads a constant scalar (or one-element) integer input.
func constInt(v *value, what string) (int64, error) {
	ints, err := constInts(v, what)
	if err != nil {
		return 0, err
	}
	if len(ints) != 1 {
		return 0, fmt.Errorf("%w: %s must hold one value, has %d", ErrBadModel, what, len(ints))
	}
	return ints[0], nil
}

// normAxis maps a possibly negative axis into [0, rank).
func normAxis(axis int64, rank int) (int64, error) {
	if rank < 0 {
		if axis >= 0 {
			return axis, nil
		}
		return 0, fmt.Errorf("%w: negative axis %d on a tensor of unknown rank", ErrUnsupportedOp, axis)
	}
	if axis < -int64(rank) || axis >= int64(rank) {
		return 0, fmt.Errorf("%w: axis %d out of range for rank %d", ErrBadModel, axis, rank)
	}
	if axis < 0 {
		axis += int64(rank)
	}
	return axis, nil
}

// cast emits a Cast of name to dt and returns the new name.
func (c *converter) cast(n *nodeDef, name string, dt onnxpb.TensorProto_DataType) string {
	out := c.tmp(n, "cast")
	c.b.add("Cast", []string{name}, []string{out}, attrInt("to", int64(dt)))
	return out
}

// int64Input returns v as an int64 tensor name: a new initializer if constant, else a Cast.
func (c *converter) int64Input(n *nodeDef, v *value, what string) string {
	if v.konst != nil && isInt(v.konst.dtype) {
		return c.b.initializer(n.Name+"/"+what, &tensor{dtype: dtInt64, shape: v.konst.shape, i: v.konst.i})
	}
	if v.dtype == dtInt64 {
		return c.ref(v)
	}
	out := c.tmp(n, what)
	c.b.add("Cast", []string{c.ref(v)}, []string{out}, attrInt("to", int64(dtInt64)))
	return out
}
