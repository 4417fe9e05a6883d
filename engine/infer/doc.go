// Package infer is the one inference contract every operator (pose, diffusion, and
// whatever comes next) runs models through: a Backend opens a model file into a
// Model with declared Inputs and Outputs, and Model.Run fills preallocated output
// Tensors from input Tensors. Backends are values the application builds once
// (ONNX Runtime in package onnx; XLA beside it) and passes to the stages; no stage
// probes a process global.
//
// The shape follows gomlx's backends.Backend (one value per configured backend,
// named by a "name:options" string) and ollama's split between GPU discovery and
// the runners that use it.
package infer
