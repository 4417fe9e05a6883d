// Package tfjs converts TensorFlow.js graph models (model.json + weight shards) to ONNX.
package tfjs

import "errors"

// ConvertFile reads a TFJS graph model (model.json and the weight shards next to it)
// and writes the equivalent ONNX model to outONNX atomically.
func ConvertFile(modelJSON, outONNX string) error {
	return errors.New("tfjs: converter not built yet")
}
