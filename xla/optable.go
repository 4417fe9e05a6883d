package xla

import (
	. "github.com/gomlx/gomlx/pkg/core/graph" //nolint:revive // GoMLX graph code
)

// opTable is every ONNX op (default domain) the lowering implements, by family:
// ops_elementwise.go, ops_shape.go, ops_conv.go, ops_reduce.go, ops_resize.go.
var opTable map[string]opFunc

// noFold lists ops never folded on the host even with constant inputs (they are
// cheap to leave to the compiler or produce big tensors).
var noFold = map[string]bool{}

func init() {
	opTable = map[string]opFunc{
		// elementwise
		"Identity": opIdentity, "Abs": unary(Abs), "Neg": unary(Neg), "Floor": unary(Floor),
		"Ceil": unary(Ceil), "Round": unary(Round), "Sqrt": unary(Sqrt), "Reciprocal": unary(reciprocal),
		"Exp": unary(Exp), "Log": unary(Log), "Sin": unary(Sin), "Cos": unary(Cos), "Tanh": unary(Tanh),
		"Sigmoid": unary(Sigmoid), "Erf": unary(Erf), "Relu": unary(relu), "IsNaN": unary(IsNaN),
		"Sign": unary(sign), "Softplus": unary(softplus), "Not": opNot, "IsInf": opIsInf,
		"LeakyRelu": opLeakyRelu, "HardSigmoid": opHardSigmoid, "Gelu": opGelu, "PRelu": opPRelu,
		"Add": binop(Add), "Sub": binop(Sub), "Mul": binop(Mul), "Div": binop(Div),
		"Pow": opPow, "Mod": opMod, "Max": variadic(Max, false), "Min": variadic(Min, false),
		"Sum": variadic(Add, false), "Mean": variadic(Add, true),
		"Equal": binop(Equal), "Less": binop(LessThan), "Greater": binop(GreaterThan),
		"LessOrEqual": binop(LessOrEqual), "GreaterOrEqual": binop(GreaterOrEqual),
		"And": binop(LogicalAnd), "Or": binop(LogicalOr), "Xor": binop(LogicalXor),
		"Where": opWhere, "Clip": opClip, "Cast": opCast, "CastLike": opCastLike,
		// shape
		"Shape": opShape, "Size": opSize, "Constant": opConstant, "ConstantOfShape": opConstantOfShape,
		"Reshape": opReshape, "Flatten": opFlatten, "Transpose": opTranspose,
		"Unsqueeze": opUnsqueeze, "Squeeze": opSqueeze, "Concat": opConcat, "Split": opSplit,
		"Slice": opSlice, "Gather": opGather, "GatherND": opGatherND, "Expand": opExpand,
		"Tile": opTile, "Range": opRange, "Pad": opPad,
		// conv, matmul, pools
		"Conv": opConv, "ConvTranspose": opConvTranspose, "MatMul": opMatMul, "Gemm": opGemm,
		"MaxPool": opMaxPool, "AveragePool": opAveragePool,
		// reductions, normalization
		"ReduceMean": reduce(ReduceMean, "mean"), "ReduceSum": reduce(ReduceSum, "sum"),
		"ReduceMax": reduce(ReduceMax, "max"), "ReduceMin": reduce(ReduceMin, "min"),
		"ReduceProd": reduce(ReduceMultiply, "prod"), "ReduceL2": reduce(reduceL2, "l2"),
		"ReduceSumSquare": reduce(reduceSumSquare, "sumsquare"),
		"ArgMax":          argReduce(true), "ArgMin": argReduce(false),
		"Softmax": softmaxOp(false), "LogSoftmax": softmaxOp(true),
		"LayerNormalization": opLayerNorm, "InstanceNormalization": opInstanceNorm,
		"GroupNormalization": opGroupNorm, "TopK": opTopK,
		"Resize": opResize,
	}
}
